"""Train the topic classifier shipped as ``chatwarden/detect/topics/model.json.gz``.

Data: ``training/data/police_topics_train.jsonl`` (chatwarden's own, Apache-2.0): British
police-chat messages written for chatwarden, one JSON object a line with ``id``, ``text``,
``categories`` (the policy's content categories; ``[]`` is compliant) and ``note``.  All
names, numbers (Ofcom drama ranges), addresses and cases are invented.  Ids tell how a line
was made and which lines belong together: ``hw-NNNN`` was written by hand, ``hw-NNNN-vK`` is a
style variant of it (lower case, abbreviations, typos, greetings), ``tp-<cat><TT>-K`` is
instance K of template TT.  Cross-validation keeps each such group in one fold, so its
numbers measure phrasings the model has not seen.  Lines ``hw-2001`` onwards (round 11) add
media sent in by the public, informal accounts, community and partner intelligence, imperative
decisions, holidays and private money, PND and custody photos, and hard negatives near each
category (court results celebrated in the team, thanks from the public, training notices,
exhibit and intel admin).  Footage, body-worn video, phone downloads and other media are
labelled both investigation material and evidence, forensic matches both official-sensitive
and investigation material, as the development set labels them.

Model: one L2-regularised logistic regression per label (scikit-learn ``liblinear``, used
at training time only) over the features of :mod:`chatwarden.detect.topics.features`
(word unigrams and bigrams and 5-character word starts, digits as the class ``0``,
counted) with a vocabulary of features seen in at least two training messages.  Tokens
that are the fictional people's names of the training set are left out of the vocabulary,
so that no person's name can carry weight or appear in an explanation.

Calibration and thresholds: grouped 5-fold cross-validation, repeated with the three fold
seeds of ``FOLD_SEEDS``, gives out-of-fold scores (each message once per repetition, pooled);
a one-feature logistic regression on them (Platt scaling) turns scores into probabilities;
for each label the threshold is the lowest probability (at least 0.5) from which the
cross-validated precision is at least ``--precision`` (default 0.95).  Those thresholds are
the recommended ``min_score`` of the policy's ``topic.*`` matchers and are stored in the
model file.

Reproducible: fixed fold assignment (seeded shuffle of the sorted groups), fixed solver
seed, weights stored as integers (x10000), JSON with sorted keys in a gzip without time
stamp.  The same data give a byte-identical file (checked by
``tests/detect/test_topics.py::test_retraining_reproduces_the_shipped_model``).

Run::

    .venv/bin/python training/train_topics.py               # train, print metrics, write the model
    .venv/bin/python training/train_topics.py --no-write    # train and print only
    .venv/bin/python training/train_topics.py --output /tmp/model.json.gz --quiet
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from chatwarden.detect.topics.detector import CATEGORIES
from chatwarden.detect.topics.features import feature_names, parts
from chatwarden.detect.topics.model import MODEL_RESOURCE, TopicModel

DATA = ROOT / "training" / "data" / "police_topics_train.jsonl"
MODEL_PATH = ROOT / "chatwarden" / "detect" / "topics" / MODEL_RESOURCE
ALL_CATEGORIES = (
    "official-sensitive", "investigation-material", "evidence-intelligence", "operational-decision",
    "sensitive-personal-data", "duty-notice", "personal-use", "offensive-conduct",
)
LABELS = tuple(CATEGORIES)  # model column order
TARGETS = tuple(CATEGORIES[label] for label in LABELS)
FOLDS = 5
FOLD_SEED = 20240611
# Cross-validation is repeated with these seeds (the first is FOLD_SEED) and calibration and
# thresholds are fitted on all out-of-fold scores together: one split alone let a threshold move
# by 0.1 when a handful of lines were added.
FOLD_SEEDS = (FOLD_SEED, 20251123, 20251124)
SOLVER_SEED = 0
C = 30.0  # inverse L2 strength; chosen by grouped CV (3, 10, 30, 100 compared; 30 and 100 tie)
MIN_DF = 2
SCALE = 10000
EMIT_FLOOR = 0.5
MIN_PREDICTED = 10  # a threshold needs at least this many cross-validated predictions above it

# The fictional people of the training set (first names and surnames, lower case).  Words
# that are also ordinary words (ward, hall, lane, mark, green, price, ...) are not listed:
# they keep their ordinary meaning.
_PERSON_NAMES = """
    adeyemi ahmed aisha amina amy angela anne ayo ben bethany bob bola callum carl chloe clarke
    cole connor daniel darren dave doris dunn dylan ellis fatima femi fraser gemma gill greene
    hannah hart hughes hussain jade jake jamie jason jayden jess joanne jodie john jordan josh
    kate kaur kayla kelly kemal kev kieran kirsty kwame kyle lauren leon lewis liam lisa lowe
    marcia marcus margaret marie marsh mary mike morgan nadia nash obi okoro patel patrick
    priya raj ravi reece reid ryan sam samir sandra shah shannon smiths sophie steve thomas tom
    tomasz tony tyrone wells wright zara mohammed leah oskar ellie ibrahim molly amara
    agnieszka okafor murphy kowalski bennett campbell obrien nowak mensah fletcher begum asante
    yilmaz holloway chaudhry reynolds owusu barker nguyen ferreira mckenzie ali taylor baker
    khan adams turner singh watts collins harris davis adebayo oneill morga walsh duffy bailey
    leigh okafors jo sue lowe ahmeds osei bola kerry jodie juniper
"""
PERSON_NAMES = frozenset(_PERSON_NAMES.split())


def group_of(row_id: str) -> str:
    base = re.sub(r"-v\d+$", "", row_id)
    if base.startswith("tp-"):
        base = base.rsplit("-", 1)[0]
    return base


def load(path: Path = DATA) -> list[dict]:
    rows, problems, seen = [], [], set()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                problems.append(f"{path.name}:{n}: not JSON")
                continue
            if set(row) != {"id", "text", "categories", "note"}:
                problems.append(f"{path.name}:{n}: fields must be id, text, categories, note")
                continue
            if row["id"] in seen:
                problems.append(f"{path.name}:{n}: duplicate id {row['id']}")
            seen.add(row["id"])
            bad = [c for c in row["categories"] if c not in ALL_CATEGORIES]
            if bad:
                problems.append(f"{path.name}:{n}: unknown categories {bad}")
            if not isinstance(row["text"], str) or not row["text"].strip():
                problems.append(f"{path.name}:{n}: empty text")
            rows.append(row)
    if problems:
        raise SystemExit("\n".join(problems))
    return rows


# --------------------------------------------------------------------------------------
# Features and vocabulary
# --------------------------------------------------------------------------------------


def _is_name_feature(name: str, prefix_sources: dict[str, set[str]]) -> bool:
    kind, _, body = name.partition(":")
    if kind == "p":
        sources = prefix_sources.get(body, set())
        return bool(sources) and sources <= PERSON_NAMES
    return any(w in PERSON_NAMES for w in body.split(" "))


def vocabulary(docs: list[list[str]], texts: list[str]) -> dict[str, int]:
    prefix_sources: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        toks, _ = parts(text)
        for t in toks:
            if len(t) > 5:
                prefix_sources[t[:5].decode("ascii")].add(t.decode("ascii"))
    df: Counter[str] = Counter()
    for feats in docs:
        df.update(set(feats))
    keep = sorted(f for f, n in df.items() if n >= MIN_DF and not _is_name_feature(f, prefix_sources))
    return {f: i for i, f in enumerate(keep)}


def matrix(docs: list[list[str]], vocab: dict[str, int]) -> csr_matrix:
    indptr, indices, data = [0], [], []
    for feats in docs:
        counts = Counter(vocab[f] for f in feats if f in vocab)
        for j in sorted(counts):
            indices.append(j)
            data.append(float(counts[j]))
        indptr.append(len(indices))
    m = csr_matrix((np.array(data), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int32)),
                   shape=(len(docs), len(vocab)))
    return m


def fit(X: csr_matrix, y: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=C, solver="liblinear", max_iter=5000, random_state=SOLVER_SEED)
    model.fit(X, y)
    return model


def folds_of(rows: list[dict], seed: int = FOLD_SEED) -> np.ndarray:
    groups = sorted({group_of(r["id"]) for r in rows})
    random.Random(seed).shuffle(groups)
    fold = {g: k % FOLDS for k, g in enumerate(groups)}
    return np.array([fold[group_of(r["id"])] for r in rows])


# --------------------------------------------------------------------------------------
# Calibration, thresholds, metrics
# --------------------------------------------------------------------------------------


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    lr.fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def choose_threshold(p: np.ndarray, y: np.ndarray, target: float) -> float:
    """Lowest t >= EMIT_FLOOR with precision(p >= t) >= target (and enough predictions)."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    n = np.arange(1, len(ps) + 1)
    best = None
    for i in range(len(ps)):
        if ps[i] < EMIT_FLOOR:
            break
        if i + 1 < len(ps) and ps[i + 1] == ps[i]:
            continue  # evaluate ties together
        if n[i] >= MIN_PREDICTED and tp[i] / n[i] >= target:
            best = float(ps[i])
    if best is None:
        return 0.99
    # Two decimals for the policy file, never below the precision target.
    t = max(EMIT_FLOOR, float(np.floor(best * 100) / 100))
    while t < 0.99 and pr_at(p, y, t)[0] < target:
        t = round(t + 0.01, 2)
    return t


def pr_at(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, int]:
    pred = p >= t
    tp = int((pred & (y == 1)).sum())
    n = int(pred.sum())
    return (tp / n if n else 0.0), (tp / int(y.sum()) if y.sum() else 0.0), n


def average_precision(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(-p, kind="stable")
    ys = y[order]
    tp = np.cumsum(ys)
    prec = tp / np.arange(1, len(ys) + 1)
    return float((prec * ys).sum() / max(1, ys.sum()))


# --------------------------------------------------------------------------------------


def train(rows: list[dict], target: float, quiet: bool = False) -> TopicModel:
    def say(*a: object) -> None:
        if not quiet:
            print(*a)

    texts = [r["text"] for r in rows]
    docs = [feature_names(t) for t in texts]
    Y1 = np.array([[c in r["categories"] for c in TARGETS] for r in rows], dtype=int)
    compliant1 = np.array([not r["categories"] for r in rows])

    # Out-of-fold scores (vocabulary built on each training part only), once per seed of
    # FOLD_SEEDS; the repetitions are stacked, so every message counts once per repetition.
    parts_oof = []
    for seed in FOLD_SEEDS:
        fold = folds_of(rows, seed)
        oof1 = np.zeros(Y1.shape)
        for k in range(FOLDS):
            tr, te = fold != k, fold == k
            vocab = vocabulary([d for d, m in zip(docs, tr) if m], [t for t, m in zip(texts, tr) if m])
            Xtr = matrix([d for d, m in zip(docs, tr) if m], vocab)
            Xte = matrix([d for d, m in zip(docs, te) if m], vocab)
            for j in range(len(LABELS)):
                oof1[te, j] = fit(Xtr, Y1[tr, j]).decision_function(Xte)
        parts_oof.append(oof1)
    oof = np.vstack(parts_oof)
    Y = np.vstack([Y1] * len(FOLD_SEEDS))
    compliant = np.concatenate([compliant1] * len(FOLD_SEEDS))

    platts, thresholds, cv = [], {}, {}
    P = np.zeros(Y.shape)
    for j, label in enumerate(LABELS):
        a, b = platt(oof[:, j], Y[:, j])
        platts.append((round(a, 6), round(b, 6)))
        P[:, j] = sigmoid(a * oof[:, j] + b)
        t = choose_threshold(P[:, j], Y[:, j], target)
        thresholds[label] = t
        prec, rec, n = pr_at(P[:, j], Y[:, j], t)
        cv[label] = {"support": int(Y1[:, j].sum()), "average_precision": round(average_precision(P[:, j], Y[:, j]), 4),
                     "threshold": t, "precision": round(prec, 4), "recall": round(rec, 4), "predicted": n}
    fired = np.column_stack([P[:, j] >= thresholds[label] for j, label in enumerate(LABELS)])
    any_pos = Y.any(axis=1)
    summary = {
        "messages": len(rows),
        "compliant": int(compliant1.sum()),
        "compliant_flagged": round(float(fired[compliant].any(axis=1).mean()), 4),
        "positive_messages": int(Y1.any(axis=1).sum()),
        "positive_messages_caught": round(float(fired[any_pos].any(axis=1).mean()), 4),
    }

    say(f"training set: {len(rows)} messages, {summary['compliant']} compliant; "
        f"{FOLDS}-fold grouped cross-validation x{len(FOLD_SEEDS)}, precision target {target}")
    say(f"{'label':32} {'support':>7} {'AP':>6} {'thresh':>6} {'P':>6} {'R':>6}")
    for label in LABELS:
        m = cv[label]
        say(f"{label:32} {m['support']:7d} {m['average_precision']:6.3f} {m['threshold']:6.2f} "
            f"{m['precision']:6.3f} {m['recall']:6.3f}")
    say(f"messages with any of the 7 categories caught: {summary['positive_messages_caught']:.3f}; "
        f"compliant messages flagged: {summary['compliant_flagged']:.3f}")

    # Final model on all data.
    vocab = vocabulary(docs, texts)
    X = matrix(docs, vocab)
    names = sorted(vocab, key=vocab.get)
    W = np.zeros((len(vocab), len(LABELS)))
    bias = []
    for j in range(len(LABELS)):
        m = fit(X, Y1[:, j])
        W[:, j] = m.coef_[0]
        bias.append(round(float(m.intercept_[0]), 6))
    Wi = np.rint(W * SCALE).astype(np.int64)
    weights = {n: tuple(int(v) for v in Wi[i]) for i, n in enumerate(names) if Wi[i].any()}
    data_sha = hashlib.sha256(DATA.read_bytes()).hexdigest() if DATA.exists() else ""
    meta = {
        "trained_by": "training/train_topics.py",
        "data": "training/data/police_topics_train.jsonl",
        "data_sha256": data_sha,
        "model": f"one-vs-rest L2 logistic regression (liblinear, C={C}), word 1-2 grams + 5-char word starts, "
                 f"min_df={MIN_DF}",
        "calibration": f"Platt scaling on grouped {FOLDS}-fold out-of-fold scores, cross-validation repeated with "
                       f"{len(FOLD_SEEDS)} fold seeds and pooled",
        "threshold_rule": f"lowest calibrated probability >= {EMIT_FLOOR} with cross-validated precision >= {target}",
        "cross_validation": cv,
        "summary": summary,
        "features": len(weights),
    }
    model = TopicModel(LABELS, SCALE, tuple(bias), tuple(platts), thresholds, EMIT_FLOOR, weights, meta)

    # The pure-Python scorer must reproduce scikit-learn's scores (up to weight rounding).
    diff = 0.0
    sk = X @ W + np.array(bias)
    for i in range(0, len(rows), 7):
        ours = model.margins(texts[i])
        diff = max(diff, max(abs(o - s) for o, s in zip(ours, sk[i])))
    say(f"final model: {len(weights)} features; largest score difference run time vs training: {diff:.5f}")
    if diff > 0.01:
        raise SystemExit("run-time scorer disagrees with the trained model")
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--output", type=Path, default=MODEL_PATH)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--precision", type=float, default=0.95, help="cross-validated precision target per label")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    rows = load(args.data)
    model = train(rows, args.precision, quiet=args.quiet)
    if not args.no_write:
        blob = model.to_bytes()
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_bytes(blob)
        if not args.quiet:
            print(f"wrote {args.output} ({len(blob):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
