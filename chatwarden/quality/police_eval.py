"""Detection quality on the labelled police-chat set (tests/data/police_chat_labelled.jsonl):
per-category precision/recall/F1, the confusion between categories, message-level recall
and the share of compliant messages flagged.

Run: ``python -m chatwarden.quality.police_eval [--split dev|test|all]``.  The set is split
deterministically by id (every third message is ``test``); the published numbers are given for
both.

The labelled set is held out: rule and lexicon work is done against a separate development set,
``tests/data/police_chat_dev.jsonl`` (same format, written independently from the guidance),
evaluated with ``python -m chatwarden.quality.police_eval --set dev [--file BATCH.jsonl] [--misses]``.  ``--misses``
lists the ids, labels and texts of missed and falsely flagged messages and is refused for the
held-out set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from chatwarden.policy.rules import CONTENT_CATEGORIES

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "police_chat_labelled.jsonl"
DEV_DATA = DATA.with_name("police_chat_dev.jsonl")


def load(path: Path = DATA) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if line.strip():
                row = json.loads(line)
                row["_line"] = n
                rows.append(row)
    return rows


def split_of(row_id: str) -> str:
    return "test" if int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def evaluate(analyzer, rows: list[dict]) -> dict:
    texts = [r["text"] for r in rows]
    decisions = analyzer.check(texts)
    per = {c: Counter() for c in CONTENT_CATEGORIES}
    confusion: dict[str, Counter] = defaultdict(Counter)
    flagged_compliant = 0
    compliant = 0
    breach_total = 0
    breach_caught = 0
    misses = []
    false_alarms = []
    for row, found in zip(rows, decisions):
        gold = set(row["categories"])
        pred = {d.category for d in found if d.category in CONTENT_CATEGORIES}
        for c in CONTENT_CATEGORIES:
            if c in gold and c in pred:
                per[c]["tp"] += 1
            elif c in pred:
                per[c]["fp"] += 1
            elif c in gold:
                per[c]["fn"] += 1
        for g in gold or {"compliant"}:
            for p in pred or {"none"}:
                confusion[g][p] += 1
        if gold:
            breach_total += 1
            if pred:
                breach_caught += 1
            else:
                misses.append(row["id"])
        else:
            compliant += 1
            if pred:
                flagged_compliant += 1
                false_alarms.append(row["id"])
    metrics = {}
    for c, k in per.items():
        p = k["tp"] / (k["tp"] + k["fp"]) if k["tp"] + k["fp"] else 0.0
        r = k["tp"] / (k["tp"] + k["fn"]) if k["tp"] + k["fn"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        metrics[c] = {"precision": p, "recall": r, "f1": f, "support": k["tp"] + k["fn"], **k}
    return {
        "messages": len(rows),
        "per_category": metrics,
        "message_recall": breach_caught / breach_total if breach_total else 0.0,
        "compliant_flagged": flagged_compliant / compliant if compliant else 0.0,
        "breaches": breach_total,
        "compliant": compliant,
        "confusion": {g: dict(v) for g, v in confusion.items()},
        "misses": misses,
        "false_alarms": false_alarms,
    }


def markdown(result: dict, title: str) -> str:
    lines = [f"### {title}", "",
             f"{result['messages']} messages ({result['breaches']} with a breach, {result['compliant']} compliant). "
             f"Message-level recall **{result['message_recall']:.3f}**; compliant messages flagged "
             f"**{result['compliant_flagged']:.3f}** ({round(result['compliant_flagged'] * result['compliant'])} of "
             f"{result['compliant']}).", "",
             "| category | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for c, m in result["per_category"].items():
        lines.append(f"| {c} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    cats = ["compliant", *CONTENT_CATEGORIES]
    preds = ["none", *CONTENT_CATEGORIES]
    lines += ["", "Confusion (rows: labelled category, columns: predicted; a message with several labels counts "
              "in several cells):", "",
              "| labelled \\ predicted | " + " | ".join(p.replace("-", "&#8209;") for p in preds) + " |",
              "|---|" + "---|" * len(preds)]
    for g in cats:
        row = result["confusion"].get(g, {})
        lines.append(f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in preds) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--set", dest="which", choices=["labelled", "dev"], default="labelled",
                    help="the held-out labelled set (default) or the development set")
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all",
                    help="split of the labelled set")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--file", type=Path, default=None,
                    help="development set only: evaluate this JSONL file (same format) instead of "
                         "tests/data/police_chat_dev.jsonl, e.g. a new batch before it is merged")
    ap.add_argument("--misses", action="store_true",
                    help="development set only: list missed and falsely flagged messages")
    args = ap.parse_args(argv)
    if args.misses and args.which != "dev":
        ap.error("--misses is only for the development set (the labelled set is held out)")
    if args.file is not None and args.which != "dev":
        ap.error("--file is only for the development set (use --set dev)")
    if args.file is not None and args.file.resolve() == DATA.resolve():
        ap.error("--file cannot name the held-out labelled set")
    from chatwarden.analysis import Analyzer

    analyzer = Analyzer.default()
    if args.which == "dev":
        rows = load(args.file or DEV_DATA)
        title = f"Police-chat development set ({args.file.name})" if args.file else "Police-chat development set"
    else:
        rows = load()
        if args.split != "all":
            rows = [r for r in rows if split_of(r["id"]) == args.split]
        title = f"Police-chat set ({args.split})"
    result = evaluate(analyzer, rows)
    if args.json:
        if args.which != "dev":  # ids of held-out misses are not shown
            result = {k: v for k, v in result.items() if k not in ("misses", "false_alarms")}
        json.dump(result, sys.stdout, indent=2)
    else:
        sys.stdout.write(markdown(result, title))
    if args.misses:
        sys.stdout.write("\n" + miss_report(analyzer, rows))
    return 0


def miss_report(analyzer, rows: list[dict]) -> str:
    """Per-message wrong predictions of a development set (gold vs predicted categories)."""
    decisions = analyzer.check([r["text"] for r in rows])
    out = []
    for row, found in zip(rows, decisions):
        gold = set(row["categories"])
        pred = {d.category for d in found if d.category in CONTENT_CATEGORIES}
        if gold != pred:
            kind = "MISS" if gold - pred else "EXTRA"
            out.append(f"{kind} {row['id']} gold={sorted(gold)} pred={sorted(pred)}: {row['text']}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
