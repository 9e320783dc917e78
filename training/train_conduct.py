#!/usr/bin/env python3
"""Train the conduct classifier and write ``chatwarden/detect/conduct/model.json.gz``.

Reproducible: fixed seeds, a fixed data order and pure-Python arithmetic, so the same data
gives byte-identical model files.  Reads the third-party data in place from the shared
data folder (``$CHATWARDEN_SHARED`` or ``../shared``); see ``training/README.md``.

    .venv/bin/python training/train_conduct.py            # train, print metrics, write the model
    .venv/bin/python training/train_conduct.py --no-write # train and print only
    .venv/bin/python training/train_conduct.py --output /tmp/model.json.gz

The model is logistic regression trained with FTRL-proximal (per-coordinate learning
rates, L1 and L2 regularisation) over the features of ``chatwarden.detect.conduct.features``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chatwarden.detect.conduct import corpus  # noqa: E402
from chatwarden.detect.conduct.analysis import analyse, make_wildcard, tokenize  # noqa: E402
from chatwarden.detect.conduct.features import extract  # noqa: E402
from chatwarden.detect.conduct.lexicon import Lexicon, load_lexicon  # noqa: E402
from chatwarden.detect.conduct.model import MODEL_RESOURCE, ConductModel, sigmoid  # noqa: E402
from chatwarden.detect.text import detection_view  # noqa: E402

MODEL_PATH = REPO / "chatwarden" / "detect" / "conduct" / MODEL_RESOURCE


@dataclass
class Config:
    seed: int = 1729
    split_seed: int = corpus.DEFAULT_SPLIT_SEED
    eval_fraction: float = corpus.DEFAULT_EVAL_FRACTION
    epochs: int = 6
    alpha: float = 0.08
    beta: float = 1.0
    l1: float = 0.4
    l2: float = 2.0
    min_df: int = 2
    known_min_count: int = 3
    weight_davidson: float = 0.4
    weight_hatecheck: float = 1.5
    weight_police: float = 3.0
    davidson_offensive: str = "strict"  # how to label Davidson class 1: strict | lexicon | negative | drop
    threshold: float = 0.5
    prune: float = 1e-4
    decimals: int = 5
    extra: dict[str, object] = field(default_factory=dict)


def build_examples(cfg: Config, lexicon: Lexicon) -> tuple[list[corpus.Example], dict[str, object]]:
    """The training examples (HateCheck train templates, police train lines, Davidson)."""
    info: dict[str, object] = {}
    examples: list[corpus.Example] = []

    hc_rows = corpus.read_hatecheck()
    hc_train, hc_eval, plan = corpus.hatecheck_split(hc_rows, cfg.split_seed, cfg.eval_fraction)
    threat_words = lexicon.classes["threat"]
    skipped_threats = 0
    for r in hc_train:
        y = corpus.hatecheck_label(r)
        if r["functionality"] in corpus.HATECHECK_NON_PROTECTED:
            low = detection_view(r["test_case"]).lower()
            toks, _s, _e = tokenize(low, lambda t: None)
            if not threat_words.isdisjoint(toks):
                skipped_threats += 1
                continue
        examples.append(
            corpus.Example(r["test_case"], y, "hatecheck", cfg.weight_hatecheck, group=r["functionality"])
        )
    info["hatecheck"] = {
        "cases": len(hc_rows),
        "train_cases": len(hc_train),
        "train_cases_used": len(hc_train) - skipped_threats,
        "eval_cases": len(hc_eval),
        "train_templates": sum(len(v["train"]) for v in plan.values()),
        "eval_templates": sum(len(v["eval"]) for v in plan.values()),
        "threats_against_non_protected_targets_not_used": skipped_threats,
    }

    police = corpus.read_police()
    police_train = [r for r in police if not corpus.police_is_eval(r)]
    for r in police_train:
        examples.append(
            corpus.Example(
                str(r["text"]), corpus.police_label(r), "police", cfg.weight_police,
                labels=tuple(r["labels"]), group=str(r.get("kind", "")),  # type: ignore[arg-type]
            )
        )
    info["police"] = {"lines": len(police), "train_lines": len(police_train), "eval_lines": len(police) - len(police_train)}

    davidson = corpus.read_davidson()
    wildcard = make_wildcard(lexicon)
    counts: Counter[str] = Counter()
    for text, cls in davidson:
        if cls == 0:
            y = 1
        elif cls == 2:
            y = 0
        elif cfg.davidson_offensive == "drop":
            continue
        elif cfg.davidson_offensive == "negative":
            y = 0
        else:
            # Offensive but not hate: a breach for us when it holds a non-swearing lexicon
            # term (mostly slurs against women), plain swearing otherwise.  "strict" keeps
            # only unambiguous terms as breaches and leaves out tweets whose only term has a
            # harmless sense too (their label says nothing about the term's context).
            an = analyse(text, lexicon, wildcard)
            terms = [e for e, _i, _j in an.lex if not e.is_profanity]
            if cfg.davidson_offensive == "strict":
                if any(not e.needs_context for e in terms):
                    y = 1
                elif terms:
                    counts["class1->dropped"] += 1
                    continue
                else:
                    y = 0
            else:
                y = int(bool(terms))
        counts[f"class{cls}->{y}"] += 1
        examples.append(corpus.Example(text, y, "davidson", cfg.weight_davidson, group=f"class{cls}"))
    info["davidson"] = {"rows": len(davidson), "mapping": dict(sorted(counts.items()))}
    info["hatecheck_split"] = plan
    return examples, info


def known_words_of(examples: list[corpus.Example], lexicon: Lexicon, min_count: int) -> frozenset[str]:
    """Real words: those seen ``min_count`` times in the tweets and police lines (HateCheck's
    deliberate misspellings are left out, so they are never taken for real words), plus
    every lexicon and cue word."""
    counts: Counter[str] = Counter()
    for ex in examples:
        if ex.source == "hatecheck":
            continue
        low = detection_view(ex.text).lower()
        toks, _s, _e = tokenize(low, lambda t: None)
        counts.update(t for t in toks if t.isalpha() and len(t) >= 2)
    known = {w for w, c in counts.items() if c >= min_count}
    known.update(w for w in lexicon.token_cues if w.isalpha())
    known.update(w for w in lexicon.index.first if w.isalpha())
    for words in lexicon.classes.values():
        known.update(w for w in words if w.isalpha())
    return frozenset(known)


def featurise(examples: list[corpus.Example], lexicon: Lexicon, known: frozenset[str], min_df: int):
    wildcard = make_wildcard(lexicon)
    docs: list[Counter[str]] = []
    df: Counter[str] = Counter()
    for ex in examples:
        an = analyse(ex.text, lexicon, wildcard, known)
        c = Counter(extract(an, lexicon))
        docs.append(c)
        df.update(c.keys())
    vocab = sorted(f for f, n in df.items() if n >= min_df or f.startswith("#"))
    index = {f: k for k, f in enumerate(vocab)}
    rows: list[tuple[list[int], list[float]]] = []
    for c in docs:
        ids = [index[f] for f in sorted(c) if f in index]
        rows.append((ids, [float(c[vocab[i]]) for i in ids]))
    return vocab, rows


def train_ftrl(rows, ys, ws, n_features: int, cfg: Config) -> tuple[list[float], float]:
    """FTRL-proximal logistic regression (McMahan et al., 2013); deterministic."""
    z = [0.0] * (n_features + 1)
    nsq = [0.0] * (n_features + 1)
    bias_id = n_features
    alpha, beta, l1, l2 = cfg.alpha, cfg.beta, cfg.l1, cfg.l2
    order = list(range(len(rows)))
    rng = random.Random(cfg.seed)
    sqrt = math.sqrt

    def weight(i: int) -> float:
        zi = z[i]
        if -l1 <= zi <= l1 and i != bias_id:
            return 0.0
        sign = -1.0 if zi < 0 else 1.0
        l1i = 0.0 if i == bias_id else l1
        return -(zi - sign * l1i) / ((beta + sqrt(nsq[i])) / alpha + l2)

    for _epoch in range(cfg.epochs):
        rng.shuffle(order)
        for r in order:
            ids, vals = rows[r]
            wts = [weight(i) for i in ids]
            wb = weight(bias_id)
            margin = wb
            for w_i, v in zip(wts, vals):
                margin += w_i * v
            g = (sigmoid(margin) - ys[r]) * ws[r]
            for i, w_i, v in zip(ids, wts, vals):
                gi = g * v
                ni = nsq[i]
                s = (sqrt(ni + gi * gi) - sqrt(ni)) / alpha
                z[i] += gi - s * w_i
                nsq[i] = ni + gi * gi
            nb = nsq[bias_id]
            s = (sqrt(nb + g * g) - sqrt(nb)) / alpha
            z[bias_id] += g - s * wb
            nsq[bias_id] = nb + g * g
    weights = [weight(i) for i in range(n_features)]
    return weights, weight(bias_id)


def train(cfg: Config, *, verbose: bool = True) -> tuple[ConductModel, dict[str, object]]:
    t0 = time.process_time()
    base = load_lexicon()
    examples, info = build_examples(cfg, base)
    known = known_words_of(examples, base, cfg.known_min_count)
    lexicon = base.with_spelling_variants(known)
    vocab, rows = featurise(examples, lexicon, known, cfg.min_df)
    ys = [float(ex.label) for ex in examples]
    ws = [ex.weight for ex in examples]
    if verbose:
        by_source = Counter((ex.source, ex.label) for ex in examples)
        print(f"examples: {len(examples)} {dict(sorted(by_source.items()))}; features: {len(vocab)}", file=sys.stderr)
    weights, bias = train_ftrl(rows, ys, ws, len(vocab), cfg)
    kept = {
        f: round(w, cfg.decimals) for f, w in zip(vocab, weights) if abs(w) >= cfg.prune and round(w, cfg.decimals) != 0.0
    }
    shared = corpus.shared_dir()
    meta = {
        "trained_by": "training/train_conduct.py",
        "config": {k: v for k, v in vars(cfg).items() if k != "extra"},
        "data": {
            "davidson_sha256": corpus.file_sha256(shared / corpus.DAVIDSON_REL),
            "hatecheck_sha256": corpus.file_sha256(shared / corpus.HATECHECK_REL),
            "police_sha256": corpus.file_sha256(corpus.POLICE_PATH),
        },
        "counts": {k: v for k, v in info.items() if k != "hatecheck_split"},
        "hatecheck_split": info["hatecheck_split"],
        "features_trained": len(vocab),
        "features_kept": len(kept),
    }
    model = ConductModel(
        weights=kept, bias=round(bias, cfg.decimals), threshold=cfg.threshold, known_words=known, meta=meta
    )
    if verbose:
        print(f"trained in {time.process_time() - t0:.1f} CPU s; kept {len(kept)} of {len(vocab)} features", file=sys.stderr)
    return model, info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", type=Path, default=MODEL_PATH, help="where to write the model (default: the package)")
    ap.add_argument("--no-write", action="store_true", help="train and print metrics only")
    ap.add_argument("--split-seed", type=int, default=corpus.DEFAULT_SPLIT_SEED)
    ap.add_argument("--davidson-offensive", choices=("strict", "lexicon", "negative", "drop"), default=Config.davidson_offensive)
    ap.add_argument("--quiet", action="store_true", help="do not print the evaluation")
    args = ap.parse_args(argv)
    cfg = Config(split_seed=args.split_seed, davidson_offensive=args.davidson_offensive)
    model, _info = train(cfg)
    blob = model.to_bytes()
    if not args.no_write:
        args.output.write_bytes(blob)
        print(f"wrote {args.output} ({len(blob):,} bytes)", file=sys.stderr)
    if not args.quiet:
        from chatwarden.detect.conduct.detector import ConductDetector
        from chatwarden.quality import conduct_eval

        det = ConductDetector(model=model)
        print(conduct_eval.metrics_markdown(det, split_seed=cfg.split_seed, eval_fraction=cfg.eval_fraction))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
