"""The police-chat development set (tests/data/police_chat_dev.jsonl): its format, and the
whole engine's quality on it staying above a floor.

The development set is what rule and lexicon work is checked against; the labelled set
(tests/data/police_chat_labelled.jsonl) is held out and only its aggregate numbers are read
(docs/quality.md).  The floors sit a little under the measured values so that a change that
loses recall or adds false alarms on the development set fails here.
"""

from __future__ import annotations

import json
import re

import pytest

from chatwarden.policy.rules import CONTENT_CATEGORIES
from chatwarden.quality import police_eval

ROW_KEYS = {"id", "text", "categories", "note"}
ID_RE = re.compile(r"^dev-\d{4}$")

# Measured 2026-11-23 (docs/quality.md, section 1.4): recall 0.984, compliant flagged 0.041.
MIN_MESSAGE_RECALL = 0.96
MAX_COMPLIANT_FLAGGED = 0.05
MIN_CATEGORY_RECALL = 0.85


def _rows() -> list[dict]:
    return police_eval.load(police_eval.DEV_DATA)


def test_dev_set_is_well_formed() -> None:
    raw = police_eval.DEV_DATA.read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw, "UTF-8 with LF line endings"
    rows = []
    for n, line in enumerate(raw.decode("utf-8").split("\n")[:-1], start=1):
        assert line.strip(), f"line {n} is blank"
        rows.append(json.loads(line))
    assert len(rows) >= 250
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids), "ids are unique"
    assert ids == sorted(ids), "rows are in id order"
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts), "no text appears twice"
    order = {c: k for k, c in enumerate(CONTENT_CATEGORIES)}
    for r in rows:
        assert set(r) == ROW_KEYS, r["id"]
        assert ID_RE.match(r["id"]), r["id"]
        assert isinstance(r["text"], str) and r["text"].strip() == r["text"] and r["text"], r["id"]
        assert isinstance(r["note"], str) and r["note"], r["id"]
        cats = r["categories"]
        assert all(c in order for c in cats), r["id"]
        assert cats == sorted(set(cats), key=order.__getitem__), f"{r['id']}: categories in vocabulary order"


def test_dev_set_covers_every_category_and_hard_negatives() -> None:
    rows = _rows()
    compliant = [r for r in rows if not r["categories"]]
    assert len(compliant) >= 100
    for c in CONTENT_CATEGORIES:
        assert sum(c in r["categories"] for r in rows) >= 10, c


def test_dev_set_shares_no_text_with_the_held_out_set() -> None:
    held_out = {r["text"].strip().lower() for r in police_eval.load()}
    assert not [r["id"] for r in _rows() if r["text"].strip().lower() in held_out]


@pytest.fixture(scope="module")
def dev_result() -> dict:
    from chatwarden.analysis import Analyzer

    return police_eval.evaluate(Analyzer.default(), _rows())


def test_dev_set_message_level_quality_stays_above_the_floor(dev_result: dict) -> None:
    assert dev_result["message_recall"] >= MIN_MESSAGE_RECALL
    assert dev_result["compliant_flagged"] <= MAX_COMPLIANT_FLAGGED


def test_dev_set_recall_per_category_stays_above_the_floor(dev_result: dict) -> None:
    low = {c: round(m["recall"], 3) for c, m in dev_result["per_category"].items() if m["recall"] < MIN_CATEGORY_RECALL}
    assert not low


def test_misses_listing_is_refused_for_the_held_out_set(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        police_eval.main(["--misses"])
    assert "held out" in capsys.readouterr().err


def test_eval_reads_a_batch_file_and_refuses_the_held_out_set(tmp_path, capsys):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"id": "b-1", "text": "Tea anyone?", "categories": []}\n'
        '{"id": "b-2", "text": "PNC says he is wanted, DOB 03/04/1991", "categories": ["official-sensitive"]}\n',
        encoding="utf-8",
    )
    assert police_eval.main(["--set", "dev", "--file", str(batch), "--misses"]) == 0
    out = capsys.readouterr().out
    assert "batch.jsonl" in out and "2 messages" in out
    with pytest.raises(SystemExit):
        police_eval.main(["--set", "dev", "--file", str(police_eval.DATA)])
    with pytest.raises(SystemExit):
        police_eval.main(["--file", str(batch)])
