"""Write docs/quality.md: detection quality on labelled data, measured, in one place.

    python -m chatwarden.quality.report

Sections: (a) the labelled police-chat set through the whole engine and policy (all, dev,
test splits), (b) HateCheck for offensive conduct (docs/quality/conduct.md, written by
``python -m chatwarden.quality.conduct_eval``), (c) the generated identifier corpus
(docs/quality/identifiers.md, written by ``python -m chatwarden.quality.identifiers_eval``).
"""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from pathlib import Path

from chatwarden.quality import police_eval

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _section(path: Path) -> str:
    if not path.exists():
        return f"(not generated yet: {path.name})\n"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines[0] = "#" + lines[0]  # demote the title one level
    return "\n".join(("#" + ln) if ln.startswith("## ") else ln for ln in lines) + "\n"


def build() -> str:
    from chatwarden.analysis import Analyzer

    analyzer = Analyzer.default()
    rows = police_eval.load()
    results = {name: police_eval.evaluate(analyzer, [r for r in rows if name == "all" or police_eval.split_of(r["id"]) == name])
               for name in ("all", "dev", "test")}
    a = results["all"]
    dev_rows = police_eval.load(police_eval.DEV_DATA)
    d = police_eval.evaluate(analyzer, dev_rows)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    head = [
        "# Detection quality",
        "",
        f"Measured {stamp} with chatwarden's detectors "
        + ", ".join(f"`{d.name}` {d.version}" for d in analyzer.engine.detectors)
        + f" and policy `{analyzer.policy.version[:12]}` (Python {platform.python_version()}). "
        "Regenerate with `python -m chatwarden.quality.report`.",
        "",
        "## Summary",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| police-chat set: messages with a breach that are flagged (message-level recall) | {a['message_recall']:.3f} | >= 0.95 |",
        f"| police-chat set: compliant messages flagged | {a['compliant_flagged']:.3f} | <= 0.05 |",
        f"| development set (not held out): message-level recall / compliant flagged | {d['message_recall']:.3f} / "
        f"{d['compliant_flagged']:.3f} | |",
    ]
    for c, m in a["per_category"].items():
        head.append(f"| police-chat set: {c} precision / recall | {m['precision']:.3f} / {m['recall']:.3f} | |")
    head += [
        "| HateCheck held-out templates, offensive conduct F1 | see section 2 | >= 0.85 |",
        "| generated identifier corpus, precision and recall per identifier | see section 3 | >= 0.98 |",
        "",
        "## 1. The labelled police-chat set",
        "",
        "`tests/data/police_chat_labelled.jsonl`: 570 realistic, synthetic Met-style messages written and labelled "
        "for this project (allowed uses from the guidance's summary table and hard negatives included; see "
        "`tests/data/README.md`). Every message goes through the whole engine and the policy, as `chatwarden check` "
        "does; a category counts as predicted when a rule of that category fires. The set is split by id into "
        "`dev` (two thirds) and `test` (one third). Early rule work looked at `dev` rows, and the author of the "
        "policing lexicon did once read the notes of missed rows in both splits, so these numbers may be "
        "slightly flattering. The trained models (`conduct`, `topics`) never saw either split: they train on "
        "`training/data/` only, and their authors never opened the evaluation file.",
        "",
        "**The labelled set is held out.** Since 2026-11-23 rules and lexicons are developed against a separate "
        "development set (section 1.4), and nobody working on the detectors opens, greps or prints the labelled "
        "set's messages or lists its misses (`police_eval --misses` refuses it). The evaluation is run and only "
        "the aggregate numbers below (per-category tables, confusion) are read.",
        "",
    ]
    body = [police_eval.markdown(results[k], f"1.{i + 1} Split: {k}") for i, k in enumerate(("all", "dev", "test"))]
    body += [
        "### 1.4 The development set\n\n"
        f"`tests/data/police_chat_dev.jsonl`: {len(dev_rows)} messages written from the guidance "
        "(`../shared/seeds/004_fb39a41d194af020.txt`, `003_234e258f6f5f1c7a.txt`) for rule and lexicon work, "
        "in the labelled set's format but written independently of it (no text is shared; a test checks). "
        "It holds breaches of every category in varied phrasing (statement and interview content, exhibits, "
        "media sent by victims, charging decisions, victim updates, source and surveillance material, "
        "decisions and rationale, personal data, duty changes, personal use, offensive conduct without slurs) "
        "and hard negatives from the summary table's allowed uses. It was written in batches; each batch was "
        "measured before the rules were changed for it, and its misses then guided the rules, so the numbers "
        "below are *not* an estimate of quality on unseen text (the held-out set above is). Measured on each "
        "batch before the rules were changed for it, message-level recall was 0.895 (the first 351 messages), "
        "then 0.73, 0.58, 0.76, 0.77, 0.77, 0.65, 0.50, 0.63 and 0.87 on the later batches of 24 to 80 "
        "messages (the later ones aimed at the phrasings still missed). "
        "`python -m chatwarden.quality.police_eval --set dev --misses` lists its misses; "
        "`tests/detect/test_police_dev_set.py` checks its format and keeps its numbers above a floor.\n",
        police_eval.markdown(d, "1.4.1 Development set, whole engine"),
    ]
    tail = ["## 2. Offensive conduct on HateCheck", "", _section(DOCS / "quality" / "conduct.md"),
            "## 3. Identifiers on a generated corpus with gold spans", "",
            _section(DOCS / "quality" / "identifiers.md")]
    return "\n".join(head) + "\n" + "\n".join(body) + "\n" + "\n".join(tail)


def main() -> int:
    (DOCS / "quality.md").write_text(build(), encoding="utf-8")
    print("wrote docs/quality.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
