"""Tests of the ``conduct`` detector (chatwarden.detect.conduct).

Offensive strings stay in the package's data files: examples that need a slur are read from
the lexicon entries' own ``examples`` (which this suite runs, Sigma-style); the texts written
here are the milder kind.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pytest

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.conduct import IDENTITY_LABELS, LABELS, PROFANITY, ConductDetector
from chatwarden.detect.conduct import corpus
from chatwarden.detect.conduct.lexicon import Lexicon, load_lexicon
from chatwarden.detect.conduct.model import ConductModel, load_packaged_model
from chatwarden.errors import ConfigError
from chatwarden.model import Message

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "chatwarden" / "detect" / "conduct" / "data"


@pytest.fixture(scope="module")
def det() -> ConductDetector:
    return ConductDetector()


def labels(hits: list[Hit]) -> set[str]:
    return {h.label for h in hits}


def conduct_labels(hits: list[Hit]) -> set[str]:
    return {h.label for h in hits if h.label != PROFANITY}


@functools.lru_cache(maxsize=1)
def packaged_lexicon() -> Lexicon:
    return load_lexicon()


def example(entry_id: str, n: int = 0, kind: str = "match") -> str:
    entry = packaged_lexicon().entries[entry_id]
    return (entry.examples_match if kind == "match" else entry.examples_no_match)[n]


# --------------------------------------------------------------------------------------
# Protocol
# --------------------------------------------------------------------------------------


def test_detector_protocol() -> None:
    assert issubclass(ConductDetector, TextDetector)
    assert ConductDetector.name == "conduct"
    assert ConductDetector.version == "1.0.0"
    assert ConductDetector.labels == frozenset(LABELS)
    assert set(LABELS) == {
        "conduct.racist", "conduct.misogynistic", "conduct.sexual", "conduct.homophobic", "conduct.transphobic",
        "conduct.religious_hostility", "conduct.ableist", "conduct.violent", "conduct.bullying", "conduct.demeaning",
        "conduct.profanity",
    }
    assert IDENTITY_LABELS < set(LABELS)


def test_detect_yields_findings_with_explanations(det: ConductDetector) -> None:
    when = datetime(2024, 3, 1, 9, 0)
    messages = [
        Message(index=0, timestamp=when, sender="A", text="Parade at 0700 in the briefing room"),
        Message(index=1, timestamp=when, sender="B", text="the DP is a waste of oxygen"),
        Message(index=2, timestamp=when, sender=None, text="the DP is a waste of oxygen", kind="system:unknown"),
    ]
    findings = list(det.detect(messages))
    assert len(findings) == 1
    f = findings[0]
    assert (f.detector, f.label, f.message_index) == ("conduct", "conduct.demeaning", 1)
    assert messages[1].text[f.span.start : f.span.end] == "waste of oxygen"
    assert f.explanation.detector == "conduct" and f.explanation.version == "1.0.0"
    assert f.explanation.pattern == "demeaning.waste_of_oxygen"
    assert f.explanation.reason


# --------------------------------------------------------------------------------------
# Positives, one table per label
# --------------------------------------------------------------------------------------

POSITIVES = [
    # (text, label that must be present)
    ("the DP is a waste of oxygen", "conduct.demeaning"),
    ("another scrote in cell 4", "conduct.demeaning"),
    ("she's a regular, waste of time", "conduct.demeaning"),
    ("smackheads the lot of them, let them rot", "conduct.demeaning"),
    ("that scrote needs a good kicking", "conduct.violent"),
    ("I'd love to batter him", "conduct.violent"),
    ("honestly they should all be shot", "conduct.violent"),
    ("nobody wants you on this team, just transfer", "conduct.bullying"),
    ("you're a waste of a uniform", "conduct.bullying"),
    ("new PCSO is well fit, she'd get it", "conduct.sexual"),
    ("I despise women.", "conduct.misogynistic"),
    ("women are useless at roads policing, fact", "conduct.misogynistic"),
    ("disabled people are a drain on everyone", "conduct.ableist"),
    ("Muslims should all be deported", "conduct.religious_hostility"),
    ("immigrants are ruining this city, they're parasites", "conduct.racist"),
    ("gay people are disgusting", "conduct.homophobic"),
    ("trans people are all perverts", "conduct.transphobic"),
]


@pytest.mark.parametrize(("text", "label"), POSITIVES)
def test_positive_examples(det: ConductDetector, text: str, label: str) -> None:
    hits = det.scan(text)
    assert label in labels(hits)
    for h in hits:
        assert 0.0 < h.score <= 1.0
        assert 0 <= h.start < h.end <= len(text)
        assert h.reason and h.pattern


SLUR_ENTRIES = [
    ("racist.n_word", "conduct.racist"),
    ("racist.anti_traveller", "conduct.racist"),
    ("racist.anti_south_asian", "conduct.racist"),
    ("misogynistic.slurs", "conduct.misogynistic"),
    ("misogynistic.bitch", "conduct.misogynistic"),
    ("homophobic.slurs", "conduct.homophobic"),
    ("homophobic.british_slurs", "conduct.homophobic"),
    ("transphobic.slurs", "conduct.transphobic"),
    ("religious_hostility.anti_muslim", "conduct.religious_hostility"),
    ("ableist.slurs", "conduct.ableist"),
    ("ableist.mong", "conduct.ableist"),
    ("sexual.explicit", "conduct.sexual"),
]


@pytest.mark.parametrize(("entry_id", "label"), SLUR_ENTRIES)
def test_slur_entries_fire_with_their_label(det: ConductDetector, entry_id: str, label: str) -> None:
    text = example(entry_id)
    hits = [h for h in det.scan(text) if h.label == label]
    assert hits, entry_id
    assert any(h.pattern == entry_id for h in hits)


def test_every_lexicon_example_behaves(det: ConductDetector) -> None:
    """Each entry's examples: `match` texts fire with the entry's label, `no_match` ones do not."""
    lexicon = packaged_lexicon()
    checked = 0
    for entry in lexicon.entries.values():
        for text in entry.examples_match:
            assert entry.label in labels(det.scan(text)), f"{entry.id}: a match example did not fire"
            checked += 1
        for text in entry.examples_no_match:
            assert entry.label not in labels(det.scan(text)), f"{entry.id}: a no_match example fired"
            checked += 1
    assert checked >= 40


def test_obfuscation_is_seen_through(det: ConductDetector) -> None:
    base = example("misogynistic.bitch")  # "you are nothing but a ..." with the slur at the end
    word_start = base.rindex(" ") + 1
    word = base[word_start:]
    leet = base[:word_start] + word.replace("i", "1")
    spaced = base[:word_start] + " ".join(word)
    for text in (leet, spaced):
        hits = [h for h in det.scan(text) if h.label == "conduct.misogynistic"]
        assert hits, "obfuscated variant missed"
        assert hits[0].start == word_start and hits[0].end == len(text)
    # invisible characters and typographic quotes do not hide a phrase
    assert "conduct.demeaning" in labels(det.scan("the DP is a waste of\u200boxygen"))
    assert "conduct.misogynistic" in labels(det.scan("I d e s p i s e women."))
    assert "conduct.misogynistic" in labels(det.scan("I h4te women."))


# --------------------------------------------------------------------------------------
# Negatives
# --------------------------------------------------------------------------------------

NEGATIVES = [
    # negation
    "Women are not disgusting.",
    "I don't hate anyone on this team, I just want the rota fixed",
    "no woman deserves to be hit, full stop",
    "the victim isn't lying, her account matches the CCTV",
    # quoting or reporting abuse in order to complain about it
    'DP called me a "waste of oxygen" on arrival, BWV has it all',
    "he said the victim was a waste of space, which I've challenged and reported",
    "I heard a DC call the victim a waste of oxygen on the phone, reported it to the DI",
    # counter-speech
    "it's not ok to call people scrotes, pack it in",
    "stop calling the victims smackheads, they're people",
    "saying someone needs a kicking on a force phone is gross misconduct, think on",
    'What makes you say stuff like "women are a waste of space"?',
    "You have to stop calling women disgusting.",
    # professional descriptions of offences
    "suspect used racially aggravated language; charged s4A POA",
    "victim was kicked in the head repeatedly, suspect in custody",
    "two males fighting, one glassed the other, ambulance requested",
    "domestic, victim states he threatened to kill her if she called police, DASH high",
    "the suspect is a 24 year old black male, IC3, wearing a grey hoodie",
    "DP is autistic, appropriate adult requested",
    # training notices
    "Reminder: the Standards of Professional Behaviour apply to all messages, on or off duty",
    "Operation Hotton learning: banter is no excuse for bullying, sexual harassment or racism",
    "briefing note: terms like \"frequent flyer\" or \"regular\" for vulnerable victims are unprofessional",
    # everyday police chat with trigger words in their harmless sense
    "kill the engine when you're on the cordon please, burning fuel",
    "fit to detain per FME, booked in at 0200",
    "DP is fit for interview, solicitor on the way",
    "nipping out for a fag, back in 5",
    "on a bender this weekend for Dave's leaving do",
    "the dyke by the river has flooded, road closed",
    "the dog unit is en route, ETA 10 mins",
    "I'd kill for a decent cup of coffee on this cordon",
    "the paddy wagon is back from the garage",
    "Women's network coffee morning Friday",
    "We should look up to these women.",
    "As a gay officer I'm proud to march at Pride with the Met today",
    "Happy Eid to all our Muslim colleagues",
    "Who has the keys for BX19? MG11 needs signing",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative_examples(det: ConductDetector, text: str) -> None:
    assert conduct_labels(det.scan(text)) == set(), text


PROFANITY_ONLY = [
    ("fucking traffic on the A13, going to be late for parade", "fucking"),
    ("ffs the printer is broken again", "ffs"),
    ("shit weather for a scene guard", "shit"),
    ("bloody hell, 14 hour shift", "bloody hell"),
    ("what the fuck is going on with Airwave today", "fuck"),
    ("bollocks, left my warrant card at home", "bollocks"),
]


@pytest.mark.parametrize(("text", "word"), PROFANITY_ONLY)
def test_plain_swearing_is_only_profanity(det: ConductDetector, text: str, word: str) -> None:
    hits = det.scan(text)
    assert labels(hits) == {PROFANITY}
    assert all(h.score <= 0.35 for h in hits)
    assert any(text[h.start : h.end].lower() == word for h in hits)
    assert all("Standards breach" in h.reason for h in hits)


def test_reclaimed_use_is_not_flagged_but_directed_use_is(det: ConductDetector) -> None:
    directed = example("homophobic.slurs")
    reclaimed = example("homophobic.slurs", 0, "no_match")
    assert "conduct.homophobic" in labels(det.scan(directed))
    hits = det.scan(reclaimed)
    assert "conduct.homophobic" not in labels(hits)


def test_suppressing_context_is_recorded_when_something_else_fires(det: ConductDetector) -> None:
    # the quoted phrase is reported; the profanity outside the quote is still the writer's own
    hits = det.scan('the DP called me a "waste of oxygen", fucking cheek, BWV has it all')
    assert labels(hits) == {PROFANITY}
    assert "reporting" in hits[0].context or "quotation" in hits[0].context


# --------------------------------------------------------------------------------------
# Spans, scores, determinism, privacy
# --------------------------------------------------------------------------------------


def test_spans_point_at_the_term(det: ConductDetector) -> None:
    text = "honestly, the DP in cell 2 is a complete waste of oxygen lol"
    (hit,) = det.scan(text)
    assert text[hit.start : hit.end] == "waste of oxygen"
    text = "Another  SCROTE in cell 4"
    (hit,) = det.scan(text)
    assert text[hit.start : hit.end] == "SCROTE"
    # a classifier-only decision about a group covers the whole message
    text = "I despise women."
    hits = [h for h in det.scan(text) if h.label == "conduct.misogynistic"]
    assert hits and (hits[0].start, hits[0].end) == (0, len(text))
    assert hits[0].pattern == "model"


def test_reasons_and_errors_never_quote_the_text(det: ConductDetector) -> None:
    texts = [example(e) for e, _ in SLUR_ENTRIES] + [t for t, _ in POSITIVES]
    for text in texts:
        for h in det.scan(text):
            term = text[h.start : h.end].lower()
            if h.pattern != "model":
                assert term not in h.reason.lower(), h.pattern
            assert text.lower() not in h.reason.lower()


def test_scores_are_deterministic(det: ConductDetector) -> None:
    texts = [t for t, _ in POSITIVES] + NEGATIVES[:10]
    first = [det.scan(t) for t in texts]
    again = [det.scan(t) for t in texts]
    fresh = ConductDetector(model=load_packaged_model())
    third = [fresh.scan(t) for t in texts]
    assert first == again == third
    assert [det.probability(t) for t in texts] == [fresh.probability(t) for t in texts]


def test_scores_are_the_same_in_another_process() -> None:
    texts = [t for t, _ in POSITIVES[:8]]
    code = (
        "import json,sys\n"
        "from dataclasses import asdict\n"
        "from chatwarden.detect.conduct import ConductDetector\n"
        "d=ConductDetector()\n"
        "print(json.dumps([[asdict(h) for h in d.scan(t)] for t in json.loads(sys.argv[1])]))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True, env=env, check=True, cwd=REPO
    )
    here = ConductDetector()
    expected = [[json.loads(json.dumps(asdict(h))) for h in here.scan(t)] for t in texts]
    assert json.loads(out.stdout) == expected


def test_runtime_imports_no_ml_library_and_loads_lazily() -> None:
    code = (
        "import sys\n"
        "import chatwarden.detect.conduct as c\n"
        "import chatwarden.detect.conduct.detector as d\n"
        "assert d._DEFAULT_STATE is None\n"
        "det = c.ConductDetector()\n"
        "assert d._DEFAULT_STATE is None\n"
        "det.scan('the DP is a waste of oxygen')\n"
        "assert d._DEFAULT_STATE is not None\n"
        "bad = [m for m in ('sklearn', 'numpy', 'scipy', 'torch') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_model_file_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the conduct model tried to use the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    model = load_packaged_model()
    assert isinstance(model, ConductModel)
    assert model.weights and 0.0 < model.threshold < 1.0
    assert model.meta["trained_by"] == "training/train_conduct.py"
    det = ConductDetector(model=model)
    assert "conduct.demeaning" in labels(det.scan("the DP is a waste of oxygen"))
    size = (REPO / "chatwarden" / "detect" / "conduct" / "model.json.gz").stat().st_size
    assert size < 3_000_000


def test_model_round_trips_and_rejects_bad_files() -> None:
    model = load_packaged_model()
    assert model is not None
    blob = model.to_bytes()
    again = ConductModel.from_bytes(blob, "x")
    assert again.weights == model.weights and again.bias == model.bias and again.known_words == model.known_words
    assert again.to_bytes() == blob
    with pytest.raises(ConfigError):
        ConductModel.from_bytes(b"not gzip", "model.json.gz")
    with pytest.raises(ConfigError):
        ConductModel.from_json({"format": "something-else"}, "model.json.gz")


# --------------------------------------------------------------------------------------
# Lexicon loader
# --------------------------------------------------------------------------------------


def test_lexicon_is_consistent() -> None:
    lexicon = packaged_lexicon()
    assert lexicon.term_count > 1000
    assert {e.label for e in lexicon.entries.values()} == set(LABELS)
    for e in lexicon.entries.values():
        assert e.severity in ("high", "medium", "low")
        assert e.id.startswith(e.label.split(".", 1)[1] + ".")
    # British slurs that US data lacks are present, each with a severity
    pikey = lexicon.index.first.get("pikey")
    assert pikey and pikey[0].owner.label == "conduct.racist"


def test_no_offensive_term_is_written_in_the_code() -> None:
    lexicon = packaged_lexicon()
    slurs = {
        t
        for e in lexicon.entries.values()
        if e.kind == "slur" and not e.needs_context
        for p in lexicon.index.first.values()
        for pat in p
        if pat.kind == "lex" and pat.owner is e and len(pat.slots) == 1
        for t in pat.slots[0]
        if len(t) >= 4
    }
    code_dir = REPO / "chatwarden" / "detect" / "conduct"
    sources = [p for p in code_dir.rglob("*.py")] + [REPO / "training" / "train_conduct.py"]
    import re

    for src in sources:
        words = set(re.findall(r"[a-z]+", src.read_text(encoding="utf-8").lower()))
        assert not (words & slurs), f"{src.name} spells a lexicon slur"


def _copy_data(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(DATA, dst)
    return dst


def test_lexicon_loader_reports_all_problems_with_lines(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "bullying.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  severity: high\n", "  severity: extreme\n  colour: red\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_lexicon(data)
    problems = err.value.problems
    assert any("severity must be" in p and p.startswith("data/bullying.yaml:") for p in problems)
    assert any("unknown field(s) colour" in p for p in problems)


def test_lexicon_loader_rejects_duplicate_keys_and_terms(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "demeaning.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  kind: dehumanising\n", "  kind: dehumanising\n  kind: phrase\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_lexicon(data)
    assert any("duplicate key" in p for p in err.value.problems)

    data2 = _copy_data(tmp_path / "two")
    path = data2 / "bullying.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  - kill yourself\n", "  - kill yourself\n  - pond life\n", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_lexicon(data2)
    problem = next(p for p in err.value.problems if "is also a term of" in p)
    assert problem.startswith("data/") and "demeaning.waste_of_oxygen" in problem and "bullying.self_harm" in problem
    assert "pond" not in problem  # problems name ids and lines, never the term


# --------------------------------------------------------------------------------------
# Speed and quality (the shared data set makes these meaningful)
# --------------------------------------------------------------------------------------


def test_scan_is_fast_on_realistic_chat(det: ConductDetector) -> None:
    from chatwarden.quality.conduct_eval import realistic_messages

    messages = realistic_messages(3000)
    for m in messages:
        det.scan(m)
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for m in messages:
            det.scan(m)
        best = min(best, time.process_time() - t0)
    per_message_us = best / len(messages) * 1e6
    assert per_message_us < 40.0, f"{per_message_us:.1f} µs per message"


@pytest.mark.shared
def test_hatecheck_held_out_templates(shared_dir: Path, det: ConductDetector) -> None:
    from chatwarden.quality.conduct_eval import evaluate_hatecheck

    rows = corpus.read_hatecheck(shared_dir / corpus.HATECHECK_REL)
    train, held_out, plan = corpus.hatecheck_split(rows)
    assert det.model.meta["hatecheck_split"] == plan  # the model never saw these templates
    train_templates = {(r["functionality"], r["templ_id"]) for r in train}
    assert not train_templates & {(r["functionality"], r["templ_id"]) for r in held_out}
    result = evaluate_hatecheck(det, held_out)
    assert result.hate.f1 >= 0.85
    for func in ("negate_neg_nh", "counter_quote_nh", "counter_ref_nh", "profanity_nh", "ident_neutral_nh", "ident_pos_nh"):
        assert result.per_functionality[func].accuracy >= 0.75, func


@pytest.mark.slow
@pytest.mark.shared
def test_retraining_reproduces_the_shipped_model(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "model.json.gz"
    env = dict(os.environ, CHATWARDEN_SHARED=str(shared_dir), PYTHONHASHSEED="7")
    subprocess.run(
        [sys.executable, str(REPO / "training" / "train_conduct.py"), "--quiet", "--output", str(out)],
        check=True, cwd=REPO, env=env, capture_output=True, timeout=110,
    )
    shipped = (REPO / "chatwarden" / "detect" / "conduct" / "model.json.gz").read_bytes()
    assert out.read_bytes() == shipped
