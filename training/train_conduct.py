#!/usr/bin/env python3
"""Train the conduct classifier and write ``chatwarden/detect/conduct/model.json.gz``.

Reproducible: fixed seeds, a fixed data order and pure-Python arithmetic, so the same data
gives byte-identical model files.  Reads the third-party data in place from the shared
data folder (``$CHATWARDEN_SHARED`` or ``../shared``); see ``training/README.md``.

    .venv/bin/python training/train_conduct.py            # train, print metrics, write the model
    .venv/bin/python training/train_conduct.py --no-write # train and print only
    .venv/bin/python training/train_conduct.py --output /tmp/model.json.gz

The models are logistic regressions trained with FTRL-proximal (per-coordinate learning
rates, L1 and L2 regularisation) over the features of ``chatwarden.detect.conduct.features``:

* the main model (all three data sets; words, bigrams, character n-grams, context);
* the implicit model (police lines and HateCheck; words, bigrams, context, topic and
  stance), with one head per label, and a probability threshold per label chosen by
  cross-validation of the police training lines (the held-out quarter is never used);
* the gate (a word-set score that lets messages without a lexicon word reach analysis),
  its threshold chosen on the same cross-validation.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import zlib  # noqa: E402

from chatwarden.detect.conduct import corpus  # noqa: E402
from chatwarden.detect.conduct.analysis import (  # noqa: E402
    Prefilter,
    analyse,
    make_wildcard,
    mark_words,
    prefilter_words,
    quick_view,
    tokenize,
)
from chatwarden.detect.conduct.features import extract, implicit_extract  # noqa: E402
from chatwarden.detect.conduct.lexicon import LABELS, PROFANITY, Lexicon, load_lexicon  # noqa: E402
from chatwarden.detect.conduct.model import (  # noqa: E402
    MODEL_RESOURCE,
    ConductModel,
    Gate,
    ImplicitModel,
    LinearHead,
    sigmoid,
)
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
    # the implicit model, its heads and the gate
    implicit_weight_police: float = 6.0
    implicit_weight_hatecheck: float = 1.5
    implicit_weight_everyday: float = 0.0  # Davidson "neither" tweets as implicit negatives (0: none; an experiment)
    implicit_l1: float = 0.1
    implicit_min_df: int = 2
    head_epochs: int = 4
    head_l1: float = 1.0
    gate_l1: float = 0.05
    gate_recall: float = 0.85  # of the police breaches the lexicon prefilter would skip
    gate_weight_everyday: float = 1.0
    gate_min_words: int = 5  # no police breach in the data that only the gate lets through has fewer
    cv_folds: int = 5
    cv_repeats: int = 3
    fp_cost: float = 3.0  # a false alarm costs this many caught breaches when thresholds are chosen
    threshold_grid: tuple[float, ...] = tuple(round(0.6 + 0.025 * k, 3) for k in range(15))  # 0.6 .. 0.95
    min_slice: int = 25  # a label with fewer cross-validated lines gets the pooled threshold
    implicit_only_kinds: tuple[str, ...] = ("implicit",)
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
            corpus.Example(
                r["test_case"], y, "hatecheck", cfg.weight_hatecheck, labels=corpus.hatecheck_labels(r),
                group=r["functionality"],
            )
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
        if r.get("kind") in cfg.implicit_only_kinds:
            # implicit misconduct (no slur, no cue word) trains the implicit model only: the
            # main model confirms lexicon terms and judges talk about groups, and learning
            # "a remark about a colleague" there makes it confirm harmless senses too.
            examples.append(
                corpus.Example(
                    str(r["text"]), corpus.police_label(r), "police-implicit", cfg.weight_police,
                    labels=tuple(r["labels"]), group=str(r.get("kind", "")), ident=str(r["id"]),  # type: ignore[arg-type]
                )
            )
            continue
        examples.append(
            corpus.Example(
                str(r["text"]), corpus.police_label(r), "police", cfg.weight_police,
                labels=tuple(r["labels"]), group=str(r.get("kind", "")), ident=str(r["id"]),  # type: ignore[arg-type]
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


def _sparse_rows(docs: list[list[str]], min_df: int) -> tuple[list[str], list[tuple[list[int], list[float]]]]:
    counted = [Counter(d) for d in docs]
    df: Counter[str] = Counter()
    for c in counted:
        df.update(c.keys())
    vocab = sorted(f for f, n in df.items() if n >= min_df or f.startswith("#"))
    index = {f: k for k, f in enumerate(vocab)}
    rows: list[tuple[list[int], list[float]]] = []
    for c in counted:
        ids = [index[f] for f in sorted(c) if f in index]
        rows.append((ids, [float(c[vocab[i]]) for i in ids]))
    return vocab, rows


def _kept(vocab: list[str], weights: list[float], cfg: Config) -> dict[str, float]:
    return {
        f: round(w, cfg.decimals) for f, w in zip(vocab, weights) if abs(w) >= cfg.prune and round(w, cfg.decimals) != 0.0
    }


def _margin(row: tuple[list[int], list[float]], weights: list[float], bias: float) -> float:
    m = bias
    for i, v in zip(*row):
        m += weights[i] * v
    return m


def _with(cfg: Config, **changes: object) -> Config:
    out = Config(**{k: v for k, v in vars(cfg).items()})
    for k, v in changes.items():
        setattr(out, k, v)
    return out


HEAD_LABELS = tuple(label for label in LABELS if label != PROFANITY)


@dataclass
class _Implicit:
    weights: list[float]
    bias: float
    heads: dict[str, tuple[list[float], float]]


def _train_implicit(rows, ys, ws, labels, n_features: int, cfg: Config, subset: list[int]) -> _Implicit:
    """The binary implicit model and one head per label, trained on ``subset``."""
    bin_cfg = _with(cfg, l1=cfg.implicit_l1)
    w, b = train_ftrl([rows[i] for i in subset], [ys[i] for i in subset], [ws[i] for i in subset], n_features, bin_cfg)
    pos = [i for i in subset if ys[i] == 1.0 and labels[i]]
    head_cfg = _with(cfg, l1=cfg.head_l1, epochs=cfg.head_epochs)
    heads: dict[str, tuple[list[float], float]] = {}
    for label in HEAD_LABELS:
        hy = [1.0 if label in labels[i] else 0.0 for i in pos]
        if not any(hy):
            continue
        heads[label] = train_ftrl([rows[i] for i in pos], hy, [ws[i] for i in pos], n_features, head_cfg)
    return _Implicit(w, b, heads)


def _choose_threshold(scored: list[tuple[float, int]], cfg: Config) -> tuple[float, int, int]:
    """The grid threshold with the best (caught breaches - fp_cost x false alarms) on
    ``scored`` = [(probability, gold)], the highest on ties; (threshold, tp, fp)."""
    best: tuple[float, float, int, int] | None = None
    for t in cfg.threshold_grid:
        tp = sum(1 for p, y in scored if p >= t and y)
        fp = sum(1 for p, y in scored if p >= t and not y)
        gain = tp - cfg.fp_cost * fp
        if best is None or gain >= best[0]:
            best = (gain, t, tp, fp)
    assert best is not None
    return best[1], best[2], best[3]


def train_implicit_and_gate(
    examples: list[corpus.Example],
    lexicon: Lexicon,
    known: frozenset[str],
    cfg: Config,
    verbose: bool,
    decided: Callable[[str], bool] | None = None,
) -> tuple[ImplicitModel, Gate, dict[str, object]]:
    """Train the implicit model, its heads and the gate; choose the per-label thresholds
    and the gate threshold by cross-validation over the police training lines.

    ``decided(text)`` tells whether the detector without the implicit model already finds
    a breach in a line (a lexicon term, a group judgement); thresholds are chosen on the
    other lines only, because those are the ones the implicit model decides."""
    wildcard = make_wildcard(lexicon)
    use = [ex for ex in examples if ex.source in ("police", "police-implicit", "hatecheck")]
    # An experiment (off by default): everyday language that is no breach (the Davidson
    # tweets labelled "neither") as negatives of the implicit model at a low weight, against
    # weight on words that are merely common in the police breaches ("just", "only"); it
    # cost recall on the held-out police lines, so the police lines carry that job instead.
    # These lines come after ``use``: every index below len(use) is a police or HateCheck line.
    plain = [ex for ex in examples if ex.source == "davidson" and ex.label == 0] if cfg.implicit_weight_everyday > 0 else []
    train_lines = use + plain
    docs = [implicit_extract(analyse(ex.text, lexicon, wildcard, known), lexicon) for ex in train_lines]
    vocab, rows = _sparse_rows(docs, cfg.implicit_min_df)
    ys = [float(ex.label) for ex in train_lines]
    ws = [
        cfg.implicit_weight_hatecheck if ex.source == "hatecheck"
        else cfg.implicit_weight_everyday if ex.source == "davidson"
        else cfg.implicit_weight_police
        for ex in train_lines
    ]
    labels = [frozenset(label for label in ex.labels if label != PROFANITY) for ex in train_lines]

    # The gate sees the word set the prefilter sees, on the messages the prefilter skips:
    # the police lines and HateCheck cases, and (as everyday language that is no breach)
    # the Davidson tweets labelled "neither".
    prefilter = Prefilter.from_lexicon(lexicon)
    skipped: list[int] = []
    gate_docs: list[list[str]] = []
    gate_y: list[float] = []
    gate_w: list[float] = []
    everyday = [ex for ex in examples if ex.source == "davidson" and ex.label == 0]
    for k, ex in enumerate(list(use) + everyday):
        low = quick_view(ex.text)[1]
        if prefilter(low):
            continue
        words = prefilter_words(low) or set()
        if k < len(use):
            skipped.append(k)
            gate_y.append(ys[k])
            gate_w.append(ws[k])
        else:
            gate_y.append(0.0)
            gate_w.append(cfg.gate_weight_everyday)
        gate_docs.append(sorted(words | set(mark_words(low, lexicon.marks))))
    gate_vocab, gate_rows = _sparse_rows(gate_docs, 2)
    gate_cfg = _with(cfg, l1=cfg.gate_l1)
    gate_pos = {k: n for n, k in enumerate(skipped)}

    police = [k for k, ex in enumerate(use) if ex.source.startswith("police")]
    # Repeated k-fold cross-validation: cv_repeats differently seeded fold splits; every
    # repeat gives each police line one out-of-fold (probability, best head, gate score)
    # sample, and thresholds are chosen on all samples together (each is a single model's
    # score, as at run time; averaging them would make the scores less spread than that).
    runs: list[dict[int, tuple[float, str]]] = []
    gate_runs: list[dict[int, float]] = []
    everything = list(range(len(train_lines)))
    for r in range(cfg.cv_repeats):
        salt = "fold:" if r == 0 else f"fold{r}:"
        fold_of = {k: zlib.crc32((salt + use[k].ident).encode("utf-8")) % cfg.cv_folds for k in police}
        run: dict[int, tuple[float, str]] = {}
        gate_run: dict[int, float] = {}
        for f in range(cfg.cv_folds):
            held = {k for k in police if fold_of[k] == f}
            subset = [k for k in everything if k not in held]
            model = _train_implicit(rows, ys, ws, labels, len(vocab), cfg, subset)
            for k in sorted(held):
                p = sigmoid(_margin(rows[k], model.weights, model.bias))
                ranked = sorted(
                    ((sigmoid(_margin(rows[k], hw, hb)), label) for label, (hw, hb) in model.heads.items()),
                    key=lambda x: (-x[0], x[1]),
                )
                run[k] = (p, ranked[0][1])
            g_sub = [n for n in range(len(gate_rows)) if n >= len(skipped) or skipped[n] not in held]
            gw, gb = train_ftrl(
                [gate_rows[n] for n in g_sub], [gate_y[n] for n in g_sub], [gate_w[n] for n in g_sub],
                len(gate_vocab), gate_cfg,
            )
            for k in sorted(held):
                if k in gate_pos:
                    short = len(gate_docs[gate_pos[k]]) < cfg.gate_min_words  # never passes
                    gate_run[k] = float("-inf") if short else _margin(gate_rows[gate_pos[k]], gw, gb)
        runs.append(run)
        gate_runs.append(gate_run)

    # Gate threshold: let through gate_recall of the skipped police breaches.
    pos_scores = sorted(g[k] for g in gate_runs for k in g if ys[k] == 1.0)
    cut = pos_scores[int((1.0 - cfg.gate_recall) * len(pos_scores))] if pos_scores else 0.0
    gate_threshold = round(cut, cfg.decimals)

    # Per-label thresholds on the cross-validated probabilities of the lines the implicit
    # model decides: those the prefilter or the gate lets through and in which nothing
    # else finds a breach.
    undecided = {k for k in police if decided is None or not decided(use[k].text)}
    samples = [
        (run[k][0], int(ys[k]), run[k][1])
        for run, gate_run in zip(runs, gate_runs)
        for k in police
        if k in undecided and (k not in gate_run or gate_run[k] >= gate_threshold)
    ]
    repeats = cfg.cv_repeats
    scored_all = [(p, y) for p, y, _label in samples]
    pooled, ptp, pfp = _choose_threshold(scored_all, cfg)
    thresholds: dict[str, float] = {}
    cv_info: dict[str, object] = {
        "repeats": repeats,
        "pooled": {"threshold": pooled, "tp": ptp / repeats, "fp": pfp / repeats, "lines": len(scored_all) / repeats},
    }
    for label in HEAD_LABELS:
        scored = [(p, y) for p, y, best in samples if best == label]
        lines = len(scored) / repeats
        if lines < cfg.min_slice:
            thresholds[label] = pooled
            cv_info[label] = {"threshold": pooled, "lines": lines, "pooled": True}
            continue
        t, tp, fp = _choose_threshold(scored, cfg)
        # A label's slice is small and its choice noisy: it may be stricter than the pooled
        # threshold, never laxer.
        thresholds[label] = max(t, pooled)
        cv_info[label] = {
            "threshold": max(t, pooled), "chosen": t, "tp": tp / repeats, "fp": fp / repeats, "lines": lines,
        }
    skipped_pos = sum(1 for k in gate_pos if ys[k] == 1.0 and use[k].source.startswith("police"))
    let_pos = sum(1 for g in gate_runs for k in g if ys[k] == 1.0 and g[k] >= gate_threshold)
    let_neg = sum(1 for g in gate_runs for k in g if ys[k] == 0.0 and g[k] >= gate_threshold)
    cv_info["gate"] = {
        "threshold": gate_threshold,
        "police_breaches_skipped_by_lexicon_prefilter": skipped_pos,
        "police_negatives_skipped_by_lexicon_prefilter": sum(
            1 for k in gate_pos if ys[k] == 0.0 and use[k].source.startswith("police")
        ),
        "cv_breaches_let_through": round(let_pos / repeats, 1),
        "cv_negatives_let_through": round(let_neg / repeats, 1),
    }

    final = _train_implicit(rows, ys, ws, labels, len(vocab), cfg, everything)
    implicit = ImplicitModel(
        weights=_kept(vocab, final.weights, cfg),
        bias=round(final.bias, cfg.decimals),
        thresholds=thresholds,
        heads={label: LinearHead(_kept(vocab, hw, cfg), round(hb, cfg.decimals)) for label, (hw, hb) in final.heads.items()},
    )
    gw, gb = train_ftrl(gate_rows, gate_y, gate_w, len(gate_vocab), gate_cfg)
    gate = Gate(
        weights=_kept(gate_vocab, gw, cfg), bias=round(gb, cfg.decimals), threshold=gate_threshold,
        min_words=cfg.gate_min_words,
    )
    info = {
        "implicit_examples": len(train_lines),
        "implicit_features_trained": len(vocab),
        "implicit_features_kept": len(implicit.weights),
        "head_features_kept": {label: len(h.weights) for label, h in implicit.heads.items()},
        "gate_examples": len(gate_rows),
        "gate_features_kept": len(gate.weights),
        "cross_validation": cv_info,
    }
    if verbose:
        print(f"implicit: thresholds {thresholds}; gate threshold {gate_threshold}", file=sys.stderr)
    return implicit, gate, info


def train(cfg: Config, *, verbose: bool = True) -> tuple[ConductModel, dict[str, object]]:
    t0 = time.process_time()
    base = load_lexicon()
    examples, info = build_examples(cfg, base)
    known = known_words_of(examples, base, cfg.known_min_count)
    lexicon = base.with_spelling_variants(known)
    main_examples = [ex for ex in examples if ex.source != "police-implicit"]
    vocab, rows = featurise(main_examples, lexicon, known, cfg.min_df)
    ys = [float(ex.label) for ex in main_examples]
    ws = [ex.weight for ex in main_examples]
    if verbose:
        by_source = Counter((ex.source, ex.label) for ex in examples)
        print(f"examples: {len(examples)} {dict(sorted(by_source.items()))}; features: {len(vocab)}", file=sys.stderr)
    weights, bias = train_ftrl(rows, ys, ws, len(vocab), cfg)
    kept = {
        f: round(w, cfg.decimals) for f, w in zip(vocab, weights) if abs(w) >= cfg.prune and round(w, cfg.decimals) != 0.0
    }
    main = ConductModel(weights=kept, bias=round(bias, cfg.decimals), threshold=cfg.threshold, known_words=known)
    from chatwarden.detect.conduct.detector import ConductDetector

    without_implicit = ConductDetector(model=main, lexicon=base)

    def decided(text: str) -> bool:
        return any(h.label != PROFANITY for h in without_implicit.scan(text))

    implicit, gate, implicit_info = train_implicit_and_gate(examples, lexicon, known, cfg, verbose, decided)
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
        "implicit": implicit_info,
    }
    model = ConductModel(
        weights=kept, bias=round(bias, cfg.decimals), threshold=cfg.threshold, known_words=known, meta=meta,
        implicit=implicit, gate=gate,
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
    ap.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="override a numeric Config field for an experiment (the defaults are the shipped configuration)",
    )
    args = ap.parse_args(argv)
    cfg = Config(split_seed=args.split_seed, davidson_offensive=args.davidson_offensive)
    for item in args.set:
        name, _, value = item.partition("=")
        current = getattr(cfg, name, None)
        if not isinstance(current, (int, float)) or isinstance(current, bool):
            ap.error(f"--set: {name} is not a numeric configuration field")
        setattr(cfg, name, type(current)(value))
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
