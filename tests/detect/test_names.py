"""The names detector: officers and members of the public as police write them, the hard
negatives (acronyms, road and place names, rank words alone, sentence starts), spans and
the strict loader."""

from __future__ import annotations

import pytest

from chatwarden.detect.lexicons import read_text
from chatwarden.detect.names import LABELS, NameDetector, load_lexicon
from chatwarden.errors import ConfigError

DET = NameDetector()


def found(text: str) -> list[tuple[str, str]]:
    return [(h.label, text[h.start:h.end]) for h in DET.scan(text)]


POSITIVES = [
    # officers
    ("PC Priya SHAH attended with me", [("person.officer", "PC Priya SHAH")]),
    ("ask DS Jones, he has the file", [("person.officer", "DS Jones")]),
    ("Sgt 123AB is on the front desk", [("person.officer", "Sgt 123AB")]),
    ("Insp. Walsh wants the update by 10", [("person.officer", "Insp. Walsh")]),
    ("Detective Sergeant Kaur is the OIC", [("person.officer", "Detective Sergeant Kaur")]),
    ("PCSO 7712 found the bike", [("person.officer", "PCSO 7712")]),
    ("spoke to sgt Adeyemi about it", [("person.officer", "sgt Adeyemi")]),
    ("DC Tom FLETCHER 456AB seized it", [("person.officer", "DC Tom FLETCHER 456AB")]),
    ("Ch Supt Okonkwo is visiting", [("person.officer", "Ch Supt Okonkwo")]),
    # members of the public
    ("Spoke to John MARSH at the door", [("person.name", "John MARSH")]),
    ("Mr Ade OKAFOR came to the front counter", [("person.name", "Mr Ade OKAFOR")]),
    ("Mrs Smith rang about her car", [("person.name", "Mrs Smith")]),
    ("Kelly-Ann O'NEILL is the informant", [("person.name", "Kelly-Ann O'NEILL")]),
    ("MARSH, John is in cell 3", [("person.name", "MARSH, John")]),
    ("suspect is ELLISON, not the brother", [("person.name", "ELLISON")]),
    ("victim Jane DOE refused to engage", [("person.name", "Jane DOE")]),
    ("PRENDERGAST has been charged with theft", [("person.name", "PRENDERGAST")]),
    ("Will SMITH is the driver", [("person.name", "Will SMITH")]),
    ("Maria de SOUSA is the owner", [("person.name", "Maria de SOUSA")]),
    ("I bumped into Priya Shah at court", [("person.name", "Priya Shah")]),
    ("Mr. J. Bloggs called twice", [("person.name", "Mr. J. Bloggs")]),
    ("Tunde ADEBAYO-JONES is the second suspect", [("person.name", "Tunde ADEBAYO-JONES")]),
    ("James McDONALD was stopped", [("person.name", "James McDONALD")]),
    ("I saw ROBERT HALE at the station", [("person.name", "ROBERT HALE")]),
    # both kinds in one message
    ("PC Ana LOPES arrested Dean FORBES", [("person.officer", "PC Ana LOPES"), ("person.name", "Dean FORBES")]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVES, ids=[t for t, _ in POSITIVES])
def test_positives_and_spans(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


HARD_NEGATIVES = [
    "Croydon ROAD is closed both ways",
    "traffic on London ROAD again",
    "Met CCTV team have the footage",
    "PNC CPS TSG BWV NFA all sorted",
    "the DS said no",
    "ask the PC on the front desk",
    "Sgt said to wait",
    "Will you be in tomorrow?",
    "May I leave early on Friday",
    "Victoria Station at six",
    "meet at Charlotte Street at 3",
    "Thanks Ben, great job today",
    "Hi John, Sarah and Tom",
    "Thanks John GREAT JOB",
    "JOHN MARSH IS HERE NOW SEND HELP",
    "PC World has a sale on",
    "PS John says hi",
    "PS: bring the cake",
    "IMG-20240312-WA0004.jpg (file attached)",
    "OFFICIAL-SENSITIVE: briefing at 0700",
    "URGENT has been moved to Friday",
    "Good morning everyone",
    "Elizabeth Line is suspended",
    "Ask Dr Who",
    "the Inspector wants it done",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives(text: str) -> None:
    assert found(text) == []


def test_labels_and_identity() -> None:
    assert NameDetector.labels == LABELS == frozenset({"person.name", "person.officer"})
    assert NameDetector.name == "names" and NameDetector.version == "1.0.0"


def test_hits_explain_themselves_without_quoting() -> None:
    h = DET.scan("Spoke to Zebedee QUIXOTE today")
    assert h == [] or "Zebedee" not in h[0].reason
    h = DET.scan("Spoke to John MARSH today")[0]
    assert h.pattern == "name.first_caps" and h.reason and "MARSH" not in h.reason and h.score >= 0.8


def test_officer_beats_name_on_the_same_words() -> None:
    assert found("DS Priya SHAH") == [("person.officer", "DS Priya SHAH")]


def test_spans_index_raw_text_with_invisible_marks() -> None:
    text = "\u200eSpoke to John\u00a0MARSH \u2013 done"
    hits = DET.scan(text)
    assert [(h.label, text[h.start:h.end]) for h in hits] == [("person.name", "John\u00a0MARSH")]


def test_scores_rank_the_evidence() -> None:
    strong = DET.scan("John MARSH")[0].score
    weak = DET.scan("met Priya Shah")[0].score
    assert strong > weak >= 0.5


def test_lower_case_text_costs_nothing() -> None:
    assert DET.scan("all lower case here, nothing to see") == []


# ----------------------------------------------------------------------------- loader


def test_shipped_lexicon_loads() -> None:
    text, name = read_text("names.yaml")
    lex = load_lexicon(text, name)
    assert "john" in lex.first and "will" in lex.ambiguous and "will" not in lex.first
    assert "CCTV" in lex.acronyms and "road" in lex.not_surnames


def _minimal(**override: str) -> str:
    fields = {
        "detector": "names", "version": "1.0.0", "titles": "[Mr]", "ranks": "[PC, PS]",
        "ranks_need_surname": "[PS]", "particles": "[de]", "first_names": "[John]",
        "ambiguous_first_names": "[Will]", "not_surnames": "[Road]", "acronyms": "[PNC]",
        "common_words": "[THE]", "person_cues": "[suspect]", "person_verbs": "[arrested]",
    }
    fields.update(override)
    return "".join(f"{k}: {v}\n" for k, v in fields.items())


def test_minimal_lexicon_works() -> None:
    lex = load_lexicon(_minimal(), "n.yaml")
    assert lex.officer.search("PC Jones")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"not_surnames": "[Road, No]"}, "not plain words"),
        ({"ranks_need_surname": "[DS]"}, "'DS' is not in ranks"),
        ({"titles": "Mr"}, "titles must be a list"),
    ],
)
def test_loader_rejects_bad_data(override: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_lexicon(_minimal(**override), "n.yaml")
    assert any(expected in p and p.startswith("n.yaml:") for p in exc.value.problems), exc.value.problems


def test_loader_rejects_duplicate_keys() -> None:
    with pytest.raises(ConfigError) as exc:
        load_lexicon(_minimal() + "titles: [Dr]\n", "n.yaml")
    assert any("duplicate key 'titles'" in p for p in exc.value.problems)
