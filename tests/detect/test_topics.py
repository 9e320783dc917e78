"""Tests of the ``topics`` detector (chatwarden.detect.topics): the shipped classifier loads
offline and lazily, scores deterministically, finds clear cases of each category, keeps hard
negatives below the policy's thresholds, explains itself without quoting the message, and is
reproduced byte for byte by its training script."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.registry import REGISTRY, detector_class
from chatwarden.detect.topics import CATEGORIES, LABELS, TopicDetector
from chatwarden.detect.topics import detector as detector_module
from chatwarden.detect.topics import features as features_module
from chatwarden.detect.topics.features import feature_names, lookup_parts, parts, run_aliases, runtime_key
from chatwarden.detect.topics.model import MODEL_FORMAT, TopicModel, load_packaged_model, pack, unpack
from chatwarden.errors import ConfigError
from chatwarden.model import Message
from chatwarden.policy import load_policy

REPO = Path(__file__).resolve().parents[2]
MODEL_FILE = REPO / "chatwarden" / "detect" / "topics" / "model.json.gz"


@pytest.fixture(scope="module")
def det() -> TopicDetector:
    return TopicDetector()


@pytest.fixture(scope="module")
def thresholds() -> dict[str, float]:
    """The policy's min_score for each topic label (the recommended operating point)."""
    out: dict[str, float] = {}
    for rule in load_policy().rules:
        for m in rule.when.any:
            if m.label.startswith("topic."):
                out[m.label] = max(out.get(m.label, 0.0), m.min_score)
    return out


def fired(det: TopicDetector, text: str, thresholds: dict[str, float]) -> set[str]:
    return {h.label for h in det.scan(text) if h.score >= thresholds[h.label]}


# --------------------------------------------------------------------------------------
# Protocol, registry, policy wiring
# --------------------------------------------------------------------------------------


def test_protocol_and_registry() -> None:
    assert issubclass(TopicDetector, TextDetector)
    assert TopicDetector.name == "topics" and TopicDetector.version == "1.0.0"
    assert LABELS == {
        "topic.official_sensitive", "topic.investigation_material", "topic.evidence_intelligence",
        "topic.operational_decision", "topic.sensitive_personal_data", "topic.duty_notice", "topic.personal_use",
    }
    assert REGISTRY["topics"] == "chatwarden.detect.topics:TopicDetector"
    assert detector_class("topics") is TopicDetector


def test_model_labels_match_the_detector() -> None:
    model = load_packaged_model()
    assert set(model.labels) == LABELS
    assert set(model.thresholds) == LABELS
    assert all(model.emit_floor <= t < 1 for t in model.thresholds.values())


def test_every_label_is_used_by_one_rule_of_its_category(thresholds: dict[str, float]) -> None:
    model = load_packaged_model()
    seen: dict[str, list[str]] = {}
    for rule in load_policy().rules:
        for m in rule.when.any:
            if m.label.startswith("topic."):
                assert rule.category == CATEGORIES[m.label], rule.id
                # The policy may be stricter than the model's recommendation, never looser.
                assert m.min_score >= model.thresholds[m.label], rule.id
                seen.setdefault(m.label, []).append(rule.id)
    assert set(seen) == LABELS
    assert all(len(ids) == 1 for ids in seen.values()), seen  # one decision per message, not several


# --------------------------------------------------------------------------------------
# Loading: offline, lazy, strict
# --------------------------------------------------------------------------------------


def test_model_file_is_small_and_well_formed() -> None:
    blob = MODEL_FILE.read_bytes()
    assert len(blob) < 3_000_000
    data = json.loads(gzip.decompress(blob))
    assert data["format"] == MODEL_FORMAT
    assert data["meta"]["data"] == "training/data/police_topics_train.jsonl"
    assert all(len(v) == len(data["labels"]) for v in data["features"].values())


def test_model_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the topic model must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    model = load_packaged_model()
    assert TopicDetector(model).scan("PNC shows he's wanted on warrant with a weapons marker")


def test_weights_load_lazily_on_first_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "_model", None)
    d = TopicDetector()
    assert detector_module._model is None  # constructing the detector reads nothing
    d.scan("morning all")
    assert detector_module._model is not None


@pytest.mark.parametrize(
    "blob",
    # mtime=0: the same bytes in every pytest-xdist worker, whose collections must agree
    [b"not gzip", gzip.compress(b"{not json", mtime=0), gzip.compress(b'{"format": "something-else"}', mtime=0),
     gzip.compress(json.dumps({"format": MODEL_FORMAT, "format_version": 99}).encode(), mtime=0),
     gzip.compress(json.dumps({"format": MODEL_FORMAT, "format_version": 1, "labels": ["a"]}).encode(), mtime=0)],
    ids=["not-gzip", "not-json", "other-format", "future-version", "no-weights"],
)
def test_bad_model_files_are_config_errors(blob: bytes) -> None:
    with pytest.raises(ConfigError):
        TopicModel.from_bytes(blob, "model.json.gz")


def test_a_weight_vector_of_the_wrong_length_is_rejected() -> None:
    data = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    name = next(iter(data["features"]))
    data["features"][name] = data["features"][name][:-1]
    with pytest.raises(ConfigError):
        TopicModel.from_json(data, "model.json.gz")


def test_model_round_trips_to_the_same_bytes() -> None:
    blob = MODEL_FILE.read_bytes()
    assert TopicModel.from_bytes(blob, "x").to_bytes() == blob


# --------------------------------------------------------------------------------------
# Features and scoring
# --------------------------------------------------------------------------------------


def test_numbers_become_token_classes() -> None:
    names = feature_names("DOB 14/02/1991, mobile 07700 900123, SE15 4QT at 14:02")
    assert "w:00/00/0000" in names and "b:00000 000000" in names and "s:postcode" in names
    assert not any(c in n for n in names for c in "123456789")


def test_runtime_keys_never_collide_across_kinds() -> None:
    # A word, a word start and a word pair with the same letters are different keys.
    keys = {runtime_key("w:state"), runtime_key("p:state"), runtime_key("b:state of")}
    assert len(keys) == 3


def test_packing_is_exact() -> None:
    values = [12345, -1, 0, -987654, 2_000_000, -2_000_000, 7]
    assert unpack(pack(values), len(values)) == values
    assert unpack(pack(values) + pack(values), len(values)) == [2 * v for v in values]


@pytest.mark.parametrize("text", [
    "Intel suggests he keeps the gear at his sister's, graded 3B P",
    "statement statement statements from the witness, CCTV seized and booked in as exhibit",
    "can someone cover my shift on saturday, it's my daughter's birthday",
    "",
])
def test_supporting_features_are_the_positive_part_of_the_contributions(text: str) -> None:
    model = load_packaged_model()
    for k in range(len(model.labels)):
        positive = [(n, w) for n, w in model.contributions(text, k) if w > 0]
        assert model.supporting(text, k) == positive


def test_scores_are_deterministic(det: TopicDetector) -> None:
    text = "Intel suggests he keeps the gear at his sister's, graded 3B P"
    first = det.scan(text)
    assert first == det.scan(text) == TopicDetector(load_packaged_model()).scan(text)


def test_scores_do_not_depend_on_the_hash_seed() -> None:
    code = ("from chatwarden.detect.topics import TopicDetector;"
            "print(TopicDetector().model.probabilities('CPS have charged him with the robbery, court on Monday'))")
    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        res = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                             check=True, timeout=60)
        outs.add(res.stdout)
    assert len(outs) == 1


def test_runtime_scores_match_the_stored_weights() -> None:
    model = load_packaged_model()
    text = "Took a statement from the neighbour, she saw him climb the fence at 11"
    j = model.labels.index("topic.investigation_material")
    manual = sum(model.weights.get(n, (0,) * len(model.labels))[j] for n in feature_names(text)) / model.scale
    assert model.margins(text)[j] == pytest.approx(manual + model.bias[j], abs=1e-9)


@pytest.mark.parametrize("text", ["", "   ", "👍", "😂😂😂", "ok", "x" * 20000, "é" * 50, "\u202e\u200b"])
def test_odd_texts_are_safe(det: TopicDetector, text: str) -> None:
    for h in det.scan(text):
        assert (h.start, h.end) == (0, len(text))


def test_tokens_ignore_case_and_typographic_apostrophes() -> None:
    assert parts("He\u2019s ARRESTED")[0] == parts("he's arrested")[0] == [b"hes", b"arrested"]


# --------------------------------------------------------------------------------------
# Fast paths: the same features and the same hits as the plain computation
# --------------------------------------------------------------------------------------

# Pieces that exercise every branch: word starts (with and without ``/``), postcodes, digits,
# apostrophes, non-ASCII, separators and words the model knows.
_FRAGMENTS = st.sampled_from([
    " ", "  ", "/", "'", "\u2019", "0", "7", " 0", "SE15 4QT", "se1 0ab", "N1 9GU", "/a/p", "and/statement",
    "12/03/2024", "07700 900123", "statement", "Statements", "authorised", "intel", "s18", "xxxxxxx", "abcde",
    "abcdef", "é", "😂", "\n", "\t", ".", "-", "3B P", "PNC", "warrant", "shift", "birthday", "the", "a",
])
_TEXTS = st.lists(_FRAGMENTS, max_size=40).map("".join) | st.text(max_size=60)
_FAST_SETTINGS = settings(deadline=None, derandomize=True, max_examples=400,
                          suppress_health_check=[HealthCheck.too_slow])


def _reference_parts(text: str) -> tuple[list[bytes], list[str]]:
    """parts() as first written: one word-boundary expression for every text."""
    norm = text[:features_module.MAX_CHARS].encode("ascii", "ignore").translate(features_module._TABLE, b"'")
    others = features_module._PREFIX.findall(norm.decode("ascii"))
    if b" 0" in norm:
        others += [features_module.POSTCODE_KEY] * len(features_module._POSTCODE.findall(norm))
    return norm.split(), others


@_FAST_SETTINGS
@given(_TEXTS)
def test_parts_equal_the_word_boundary_expression(text: str) -> None:
    assert parts(text) == _reference_parts(text)


@_FAST_SETTINGS
@given(_TEXTS)
def test_lookup_parts_score_and_explain_like_parts(text: str) -> None:
    model = detector_module.packaged_model()
    toks, others = lookup_parts(text)
    assert toks == parts(text)[0]
    assert model._margins(toks, others) == model._margins(*parts(text))
    for k in range(len(model.labels)):
        assert model.supporting(text, k, (toks, others)) == model.supporting(text, k)
        assert model.contributions(text, k, (toks, others)) == model.contributions(text, k)


def test_word_start_aliases() -> None:
    aliases = run_aliases("p:state")
    assert len(aliases) == 27 and b" statem" in aliases and b" state0" in aliases
    assert run_aliases("p:and/s") == run_aliases("w:state") == run_aliases("b:state of") == []
    assert lookup_parts("Statements, stated; state")[1] == [b" statem", b" stated"]
    assert lookup_parts("a/b statement")[1] == parts("a/b statement")[1] == ["state"]


def test_positive_features_index_every_key_form() -> None:
    model = load_packaged_model()
    for k in range(len(model.labels)):
        model.supporting("", k)
        assert model._positive[k] == {key: (name, ws[k] / model.scale) for key, (name, ws) in model._explain.items()
                                      if ws[k] > 0}


def test_a_stored_word_with_a_space_cannot_shadow_a_word_start() -> None:
    # parts() never gives such a word, so only the word start may count.
    base = json.loads(gzip.decompress(MODEL_FILE.read_bytes()))
    n = len(base["labels"])
    data = dict(base, features={"p:state": [3000] * n, "w: statem": [-5000] * n})
    model = TopicModel.from_json(data, "x")
    text = "statement taken"
    assert model._margins(*lookup_parts(text)) == model._margins(*parts(text))
    for k in range(n):
        assert model.supporting(text, k, lookup_parts(text)) == model.supporting(text, k) == [("p:state", 0.3)]


def _full_above_floor(model: TopicModel, text: str) -> list[tuple[int, float]]:
    """above_floor without its gate: every label's margin and calibration, as first written."""
    found = []
    for k, (m, p) in enumerate(zip(model.margins(text), model.probabilities(text))):
        if m >= model._cut[k] and p >= model.emit_floor:
            found.append((k, p))
    return found


def test_gate_starts_are_exact() -> None:
    model = load_packaged_model()
    assert model._gate_starts is not None
    for k, t in enumerate(model._gate_starts):
        assert t / model.scale + model.bias[k] >= model._cut[k] > (t - 1) / model.scale + model.bias[k]


@pytest.mark.parametrize("floor", [0.0, 0.2, 0.5, 0.97, 1.0])
def test_gated_scoring_equals_full_scoring(floor: float) -> None:
    model = TopicModel.from_bytes(MODEL_FILE.read_bytes(), "x")
    model.emit_floor = floor
    model.__post_init__()
    texts = [t for _label, t in POSITIVES] + HARD_NEGATIVES + ["", "ok", "x" * 20000, "statement " * 500]
    for text in texts:
        assert model.above_floor(text)[0] == _full_above_floor(model, text)
    if floor == 0.0:
        assert model._gate_starts is None  # every margin reaches the cut: nothing to gate


@_FAST_SETTINGS
@given(_TEXTS)
def test_gated_scoring_equals_full_scoring_on_any_text(text: str) -> None:
    model = detector_module.packaged_model()
    assert model.above_floor(text)[0] == _full_above_floor(model, text)


# --------------------------------------------------------------------------------------
# Behaviour: clear positives and hard negatives (written for this test, not training lines)
# --------------------------------------------------------------------------------------

POSITIVES = [
    ("topic.official_sensitive", "PNC shows she's wanted on warrant and has a weapons marker"),
    ("topic.official_sensitive", "Osman warning served on the lad this afternoon, he refused to move"),
    ("topic.official_sensitive", "Fingerprints on the window came back to a known burglar on IDENT1"),
    ("topic.investigation_material", "In his statement the witness says the driver got out and punched him"),
    ("topic.investigation_material", "He went no comment in interview and has been bailed"),
    ("topic.investigation_material", "CPS have charged her with theft, she's in court on Friday"),
    ("topic.evidence_intelligence", "Intel suggests the target is dealing from his cousin's flat, graded 2B P"),
    ("topic.evidence_intelligence", "Source reporting says the meet is tonight behind the garages"),
    ("topic.operational_decision", "I've authorised a section 18 search of his flat, rationale: stolen phones seen"),
    ("topic.operational_decision", "Decision: we'll arrest him at 6 tomorrow, less risk than at his work"),
    ("topic.sensitive_personal_data", "Victim is Ellie GRANT, DOB 03/04/1992, of 12 Ivy Close, SE9 1QT"),
    ("topic.sensitive_personal_data", "Witness mobile is 07700 900777 and she lives at 40 Rose Road, N15 3PL"),
    ("topic.duty_notice", "AID warning: you're aided to the football on Saturday, tour 1000-2200"),
    ("topic.duty_notice", "Sorry all, your rest day on Sunday is cancelled, you're on lates"),
    ("topic.personal_use", "Babe can you pick up some wine and a pizza on your way home"),
    ("topic.personal_use", "Selling my son's old bike, £40 ono, collection from Sutton"),
    # Added with the round-11 training lines (media sent by the public, informal accounts and
    # community intelligence, custody photos); none of these texts is in the training data.
    ("topic.investigation_material", "The neighbour has WhatsApped me her doorbell clip of the two lads forcing the side gate"),
    ("topic.investigation_material", "Hi Mrs Ward, the man who took your handbag has admitted it and been charged, court is on the 14th"),
    ("topic.investigation_material", "On tape he accepted he was driving but says the brakes failed"),
    ("topic.evidence_intelligence", "Talk on the estate is the younger lot are holding a gun for the olders"),
    ("topic.evidence_intelligence", "The youth worker reckons two of the boys are running a line out of the chicken shop"),
    ("topic.evidence_intelligence", "Surveillance have him swapping cars at the services, the Golf went north"),
    ("topic.official_sensitive",
     "His custody photo from Saturday is attached so the early turn know who to look for <Media omitted>"),
]

HARD_NEGATIVES = [
    "Team meeting at 10:30 in room 2.14, agenda to follow",
    "Reminder: OFFICIAL-SENSITIVE material must never be shared on WhatsApp",
    "Who's doing secret santa this year? £10 limit",
    "My phone needs a charge, has anyone got a cable?",
    "First aid refresher on Monday morning in the gym",
    "The intel unit has moved to the 3rd floor",
    "Could you come to the station on Tuesday at 2 so I can take your statement?",
    "Thank you so much officer, you were so kind to my mum",
    "Sorry, I can't accept your invitation but thank you for asking",
    "Bloody A40 is gridlocked again, running 10 mins late",
    "PC 1234AB and PC 5678CD are on the van tonight, LX-2290 needs fuel",
    "Decision on the Christmas party venue by Friday please",
    "The art exhibition at the library has the school's paintings this week",
    "Hope you're ok after last night's job, here if you need to talk",
    "Can you cover my shift briefing?",
    "Thanks for asking Sarge, the custody hearing for my kids is next week so I might be a bit distracted",
    "Welfare check-in: how did the custody hearing go? Here if you need anything",
    "Ward panel meeting on Thursday at 7 at the community centre, all welcome",
    "The rota for next month is out, no changes to your shifts",
    "Well done all, 7 years at Snaresbrook today, great work on the file",
    "Please thank the officer who helped my grandad home on Sunday, he was so kind",
    "The county lines awareness input from the gangs unit is on Thursday at 2",
    "Does anyone know where the exhibit bags are kept now the store has moved?",
    "Can you ring the witness and book a time for her statement next week?",
    "Source of the smell in the locker room is a dead mouse, facilities are coming",
    "Poor chap was soaked through, we got him a blanket and a brew while we waited",
]


@pytest.mark.parametrize("label,text", POSITIVES)
def test_clear_positives(det: TopicDetector, thresholds: dict[str, float], label: str, text: str) -> None:
    assert label in fired(det, text, thresholds)


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_stay_below_the_policy_threshold(det: TopicDetector, thresholds: dict[str, float],
                                                       text: str) -> None:
    assert fired(det, text, thresholds) == set()


def test_training_set_examples_are_mostly_recovered(det: TopicDetector, thresholds: dict[str, float]) -> None:
    # A sanity check on the fitted model (not a measure of quality: see the training
    # script's cross-validated numbers and chatwarden.quality.police_eval).
    rows = [json.loads(line) for line in (REPO / "training" / "data" / "police_topics_train.jsonl").open()]
    by_cat = {c: lab for lab, c in CATEGORIES.items()}
    hit = total = false = compliant = 0
    for row in rows:
        got = fired(det, row["text"], thresholds)
        want = {by_cat[c] for c in row["categories"] if c in by_cat}
        if want:
            total += 1
            hit += bool(got & want)
        elif not row["categories"]:
            compliant += 1
            false += bool(got)
    assert hit / total > 0.9
    assert false / compliant < 0.02


# --------------------------------------------------------------------------------------
# Hits: whole-text spans, explanations without the message
# --------------------------------------------------------------------------------------


def test_hits_span_the_whole_text_and_explain_themselves(det: TopicDetector) -> None:
    text = "In her statement she says he grabbed her by the throat"
    hits = det.scan(text)
    assert [h.label for h in hits] == ["topic.investigation_material"]
    h = hits[0]
    assert isinstance(h, Hit) and (h.start, h.end) == (0, len(text))
    assert h.pattern == "model" and 0.5 <= h.score <= 1.0
    assert h.reason.startswith("model: '") and h.reason.endswith("towards investigation material")


def test_explanations_never_quote_names_or_numbers(det: TopicDetector) -> None:
    text = "Victim is Jordan OKAFOR, DOB 11/09/1990, mobile 07700 900345, lives at 8 Fir Road SE4 2TT"
    hits = det.scan(text)
    assert "topic.sensitive_personal_data" in {h.label for h in hits}
    for h in hits:
        low = h.reason.lower()
        assert "jordan" not in low and "okafor" not in low and "fir road" not in low
        assert not any(c in h.reason for c in "123456789")


def test_engine_runs_the_detector_on_messages(det: TopicDetector) -> None:
    from datetime import datetime

    msgs = [Message(0, datetime(2024, 3, 1, 9), "PC A", "AID warning: you're aided to the march Saturday, 0600-1800",
                    "message", 1, 1),
            Message(1, datetime(2024, 3, 1, 9), "PC B", "morning all", "message", 2, 2)]
    findings = list(det.detect(msgs))
    assert {(f.message_index, f.label) for f in findings} == {(0, "topic.duty_notice")}
    assert findings[0].explanation.detector == "topics" and findings[0].explanation.version == "1.0.0"


# --------------------------------------------------------------------------------------
# Reproducible training (needs scikit-learn, from the dev extra)
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_retraining_reproduces_the_shipped_model(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "model.json.gz"
    env = dict(os.environ, PYTHONHASHSEED="7")
    subprocess.run(
        [sys.executable, str(REPO / "training" / "train_topics.py"), "--quiet", "--output", str(out)],
        check=True, cwd=REPO, env=env, capture_output=True, timeout=110,
    )
    assert out.read_bytes() == MODEL_FILE.read_bytes()
