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
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pytest

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.conduct import IDENTITY_LABELS, LABELS, PROFANITY, ConductDetector, corpus
from chatwarden.detect.conduct.analysis import quick_view
from chatwarden.detect.conduct.detector import IMPLICIT_PATTERN
from chatwarden.detect.conduct.lexicon import Lexicon, load_lexicon
from chatwarden.detect.conduct.model import ConductModel, Gate, ImplicitModel, LinearHead, load_packaged_model
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
    assert ConductDetector.version == "1.5.0"
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
    assert f.explanation.detector == "conduct" and f.explanation.version == "1.5.0"
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
    ("Women shouldn't be on response, they can't handle it", "conduct.misogynistic"),
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
# Implicit misconduct: no slur, no cue word (the implicit model and its gate)
# --------------------------------------------------------------------------------------

IMPLICIT_POSITIVES = [
    # contempt for victims, the dead and the public
    "DV at the flats again, she'll be back with him by Sunday, not worth the diesel",
    "the victim keeps ringing for updates, I've put her on ignore lol",
    "misper from the unit again, she'll turn up when she's hungry, no rush",
    # condoning or joking about violence against detainees and women
    "if the DP gobs off again he can have a nice trip down the stairs",
    "bit of van therapy for the shoplifter, he won't do that again",
    "let him sit in the cell with no blanket, teach him some manners",
    "if she nagged me like that she'd be picking herself up off the floor",
    # a "joke" about consent
    "she was drunk and flirting, so what did she expect",
]

IMPLICIT_NEGATIVES = [
    "DV at the flats again, she's not ready to leave, IDVA informed and safety plan done",
    "the victim keeps ringing for updates, she's frightened, I'll call her back at 4",
    "misper from the unit again, high risk, search team tasked",
    "sudden death on the estate, been there two weeks, please bring masks, coroner informed",
    "male on the bridge, negotiators engaged, he's come down safely",
    "DP fell in the yard on arrival, FME checked him, BWV uploaded",
    "she was drunk, which makes her more vulnerable, not less credible, SOIT booked",
    "she's on the promotion board, first time, well deserved",
    "the new probie passed her fitness test, well done her",
    "the autistic lad at the front counter is distressed, quiet room and his mum called",
    "suspect described as IC3 male on a black moped, last seen heading north",
    "joking about her going back to him isn't funny, pack it in",
    "this shift is killing me, no refs yet",
    "Women shouldn't be on their own at night, walk them to the car",
    "probationers shouldn't be on response alone in the first week",
    "she can't handle the DP on her own, send backup please",
    "Op Hotton learning: jokes about DV victims going back are misconduct, read it",
]


@pytest.mark.parametrize("text", IMPLICIT_POSITIVES)
def test_implicit_misconduct_is_found(det: ConductDetector, text: str) -> None:
    hits = [h for h in det.scan(text) if h.label != PROFANITY]
    assert hits, text
    for h in hits:
        assert h.pattern == IMPLICIT_PATTERN
        assert (h.start, h.end) == (0, len(text))
        assert h.score >= 0.6  # the offensive-conduct policy's min_score
        assert "implicit classifier score" in h.reason and text.lower() not in h.reason.lower()


@pytest.mark.parametrize("text", IMPLICIT_NEGATIVES)
def test_professional_and_caring_messages_on_the_same_topics_are_not_flagged(det: ConductDetector, text: str) -> None:
    assert conduct_labels(det.scan(text)) == set(), text


def test_the_gate_sends_implicit_misconduct_to_analysis(det: ConductDetector) -> None:
    state = det._get_state()  # the prefilter decision is the point here
    lexicon_only = state.prefilter.with_gate(None, {})
    text = IMPLICIT_POSITIVES[1]
    low = quick_view(text)[1]
    assert not lexicon_only(low)  # no lexicon, group or cue word: the old prefilter skipped it
    assert state.prefilter(low)
    assert not state.prefilter(quick_view("on my way")[1])  # too few words for the gate
    model = det.model
    assert model.gate is not None and model.gate.min_words >= 3


def _synthetic(main: dict[str, float], bias: float, implicit: ImplicitModel | None) -> ConductDetector:
    """A detector whose models are tiny hand-made ones: the decision rules under test."""
    gate = Gate(weights={}, bias=1.0, threshold=0.0, min_words=3)  # passes any message of three words
    return ConductDetector(model=ConductModel(weights=main, bias=bias, threshold=0.5, implicit=implicit, gate=gate))


def _implicit(heads: dict[str, float], threshold: float = 0.8) -> ImplicitModel:
    labels = [label for label in LABELS if label != PROFANITY]
    return ImplicitModel(
        weights={"w:zebra": 20.0},
        bias=-10.0,
        thresholds={label: threshold for label in labels},
        heads={label: LinearHead({"w:zebra": w}, 0.0) for label, w in heads.items()},
    )


def test_implicit_path_labels_and_identity_rule() -> None:
    det = _synthetic({}, -10.0, _implicit({"conduct.racist": 5.0, "conduct.demeaning": 2.0}))
    # the racist head is best, but nothing says whose identity: the next head names it
    hits = det.scan("the zebra again on that estate")
    assert [(h.label, h.pattern) for h in hits] == [("conduct.demeaning", IMPLICIT_PATTERN)]
    # a topic word for the identity ("IC3", a police code, not read as a look-alike word)
    assert "conduct.racist" in labels(det.scan("the zebra again, IC3 male"))
    # a message naming a protected group is the main model's to judge (here it says no) ...
    assert det.scan("the zebra and the women today") == []
    # ... unless it is said with a misconduct stance (a joke here); the group names the label
    hits = det.scan("the zebra and the women today lol")
    assert "conduct.misogynistic" in labels(hits) and "conduct.racist" not in labels(hits)
    assert {h.pattern for h in hits} == {IMPLICIT_PATTERN}
    # care or procedure is no such stance
    assert det.scan("the zebra and the women today, safeguarding referral done") == []
    # below the label's threshold, nothing
    strict = _synthetic({}, -10.0, _implicit({"conduct.demeaning": 2.0}, threshold=1.01))
    assert strict.scan("the zebra again on that estate") == []
    # without the gate's three words the message is never analysed
    assert det.scan("zebra zebra") == []


def test_a_named_group_reaches_the_implicit_model_when_both_models_lean_that_way() -> None:
    heads = {"conduct.racist": LinearHead({"w:zebra": 5.0}, 0.0)}

    def implicit(weight: float) -> ImplicitModel:
        return ImplicitModel(
            weights={"w:zebra": weight}, bias=-10.0,
            thresholds={label: 0.6 for label in LABELS if label != PROFANITY}, heads=heads,
        )

    text = "the zebra and the women today"
    # the main model is below its threshold but above PROTECTED_MAIN (p = 0.27), the implicit
    # model sure: both lean the same way, and the group names the label
    leaning = _synthetic({"w:zebra": 9.0}, -10.0, implicit(20.0))
    hits = leaning.scan(text)
    assert [(h.label, h.pattern) for h in hits] == [("conduct.misogynistic", IMPLICIT_PATTERN)]
    # the implicit model above its label threshold (p = 0.65) but below PROTECTED_IMPLICIT: nothing
    assert _synthetic({"w:zebra": 9.0}, -10.0, implicit(10.6)).scan(text) == []
    # the main model sees nothing at all (p near 0): the implicit model is not asked
    assert _synthetic({}, -10.0, implicit(20.0)).scan(text) == []
    # without a group word the implicit model's own thresholds apply
    assert labels(_synthetic({}, -10.0, implicit(10.6)).scan("the zebra again, IC3 male")) == {"conduct.racist"}


def test_a_female_pronoun_lets_the_misogynistic_head_name_the_label() -> None:
    det = _synthetic({}, -10.0, _implicit({"conduct.misogynistic": 5.0, "conduct.demeaning": -1.0}))
    assert labels(det.scan("the zebra again and she knows it")) == {"conduct.misogynistic"}
    assert labels(det.scan("the zebra again and he knows it")) == {"conduct.demeaning"}


def test_confident_contempt_for_a_victim_needs_no_cue_word() -> None:
    never = _implicit({"conduct.demeaning": 1.0}, threshold=1.01)
    det = _synthetic({"w:forgotten": 20.0}, -5.0, never)
    (hit,) = det.scan("the victim is forgotten already")
    assert (hit.label, hit.pattern) == ("conduct.demeaning", "model")
    assert "contempt for victims, detainees and the public" in hit.reason
    unsure = _synthetic({"w:forgotten": 5.5}, -5.0, never)  # p about 0.62: not confident
    assert unsure.scan("the victim is forgotten already") == []


def test_emoji_marks_count_as_a_joke() -> None:
    lexicon = packaged_lexicon()
    assert "stance_joke" in lexicon.marks
    from chatwarden.detect.conduct.analysis import analyse, make_wildcard
    from chatwarden.detect.conduct.features import topic_stance

    an = analyse("the DP fell over again \U0001F602", lexicon, make_wildcard(lexicon))
    topics, stances = topic_stance(an, lexicon)
    assert "custody" in topics and "joke" in stances
    plain = analyse("the DP fell over again", lexicon, make_wildcard(lexicon))
    assert "joke" not in topic_stance(plain, lexicon)[1]


def test_marks_loader_rejects_bad_entries(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "cues.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("marks:\n", "marks:\n  no_such_class: [\"!\"]\n  stance_dismiss: [\"ab\"]\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_lexicon(data)
    problems = err.value.problems
    assert any("marks for unknown class no_such_class" in p for p in problems)
    assert any("marks.stance_dismiss" in p and "non-word characters" in p for p in problems)


def test_implicit_thresholds_come_from_cross_validation() -> None:
    model = load_packaged_model()
    assert model is not None and model.implicit is not None and model.gate is not None
    meta = model.meta
    cv = meta["implicit"]["cross_validation"]
    grid = meta["config"]["threshold_grid"]
    pooled = cv["pooled"]["threshold"]
    assert pooled in grid
    assert set(model.implicit.thresholds) == {label for label in LABELS if label != PROFANITY}
    for label, t in model.implicit.thresholds.items():
        assert t in grid and t >= pooled  # a label may be stricter than the pooled threshold, never laxer
        assert cv[label]["threshold"] == t
    assert model.implicit.lowest_threshold >= 0.6  # no implicit hit below the policy's min_score
    assert model.gate.threshold == cv["gate"]["threshold"]


def test_model_round_trips_with_the_implicit_model_and_gate() -> None:
    model = load_packaged_model()
    assert model is not None and model.implicit is not None and model.gate is not None
    again = ConductModel.from_bytes(model.to_bytes(), "x")
    assert again.implicit == model.implicit and again.gate == model.gate
    older = model.to_json()
    older["format_version"] = 1
    for key in ("implicit", "gate"):
        older.pop(key)
    legacy = ConductModel.from_json(older, "x")  # a version-1 file: no implicit model, no gate
    assert legacy.implicit is None and legacy.gate is None
    assert "conduct.demeaning" in labels(ConductDetector(model=legacy).scan("the DP is a waste of oxygen"))
    newer = dict(model.to_json(), format_version=99)
    with pytest.raises(ConfigError):
        ConductModel.from_json(newer, "x")
    broken = dict(model.to_json(), implicit={"weights": {}, "heads": {}})
    with pytest.raises(ConfigError):
        ConductModel.from_json(broken, "x")


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
    texts = [t for t, _ in POSITIVES] + NEGATIVES[:10] + IMPLICIT_POSITIVES
    first = [det.scan(t) for t in texts]
    again = [det.scan(t) for t in texts]
    fresh = ConductDetector(model=load_packaged_model())
    third = [fresh.scan(t) for t in texts]
    assert first == again == third
    assert [det.probability(t) for t in texts] == [fresh.probability(t) for t in texts]
    assert [det.implicit_probability(t) for t in texts] == [fresh.implicit_probability(t) for t in texts]


def test_scores_are_the_same_in_another_process() -> None:
    texts = [t for t, _ in POSITIVES[:8]] + IMPLICIT_POSITIVES[:4]
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
        check=True, cwd=REPO, env=env, capture_output=True, timeout=300,
    )
    shipped = (REPO / "chatwarden" / "detect" / "conduct" / "model.json.gz").read_bytes()
    assert out.read_bytes() == shipped


# --------------------------------------------------------------------------------------
# The cheap first stage
# --------------------------------------------------------------------------------------


def test_quick_view_reads_a_bang_between_letters_as_i_and_keeps_every_offset() -> None:
    for text in ("Wow! th!s is it!", "th!s “quoted” w!th curly quotes", "!!! a!"):
        view, low = quick_view(text)
        assert len(view) == len(low) == len(text)
    assert quick_view("Wow! th!s is it!")[1] == "wow! this is it!"


def test_the_prefilter_never_asks_the_gate_about_too_few_words(det: ConductDetector) -> None:
    state = det._get_state()
    asked: list[int] = []

    def gate(words: set[str]) -> bool:
        asked.append(len(words))
        return True

    prefilter = state.prefilter.with_gate(gate, state.lexicon.marks, 5)
    assert not prefilter(quick_view("on my way")[1]) and asked == []
    assert prefilter(quick_view("we are all on our way back now")[1]) and asked


def test_the_gate_decides_as_its_exact_score_does(det: ConductDetector) -> None:
    gate = det.model.gate
    assert gate is not None
    for text in ("we are all on our way back now", "can someone bring milk for the fridge", "the van is at the garage again today"):
        words = set(quick_view(text)[1].split())
        assert gate.passes(words) == (len(words) >= gate.min_words and gate.score(words) >= gate.threshold)
