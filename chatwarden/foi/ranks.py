"""Police ranks and police staff grades: normalising what registers and directories write,
grouping them for statistics, and deciding seniority for redaction.

Officer ranks, lowest first (DOMAIN.md section 1): constable, sergeant, inspector, chief
inspector, superintendent, chief superintendent, then the Met's commander, deputy assistant
commissioner, assistant commissioner, deputy commissioner, commissioner.  Detective and
acting/temporary forms count as the rank itself ("DC", "A/PS", "T/DI").

Met police staff bands run from Band A (highest) down to Band G; "shadow" bands cover
specialists and are treated as band equivalents whose level is unknown.  Grades above
Band A (directors and the like) are senior.  000 withholds the names of staff "holding the
rank of Band A (including shadow band equivalents) and below": every banded member of staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# level, canonical name, spellings (lower case, dots and extra spaces removed)
_OFFICER_RANKS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "Constable", ("pc", "dc", "tdc", "sc", "wpc", "constable", "police constable", "detective constable",
                      "trainee detective constable", "special constable", "pcso")),
    (2, "Sergeant", ("ps", "ds", "sgt", "dsgt", "sergeant", "police sergeant", "detective sergeant", "wps")),
    (3, "Inspector", ("insp", "di", "inspector", "detective inspector")),
    (4, "Chief Inspector", ("ci", "dci", "ch insp", "chief insp", "chief inspector", "detective chief inspector")),
    (5, "Superintendent", ("supt", "dsupt", "det supt", "superintendent", "detective superintendent")),
    (6, "Chief Superintendent", ("ch supt", "chief supt", "csupt", "dcs", "det ch supt", "chief superintendent",
                                 "detective chief superintendent")),
    (7, "Commander", ("cdr", "cmdr", "commander")),
    (8, "Deputy Assistant Commissioner", ("dac", "deputy assistant commissioner")),
    (9, "Assistant Commissioner", ("ac", "assistant commissioner")),
    (10, "Deputy Commissioner", ("dep comm", "dpc", "deputy commissioner")),
    (11, "Commissioner", ("commissioner", "comm")),
)
OFFICER_LEVEL: dict[str, int] = {}
OFFICER_CANONICAL: dict[int, str] = {}
for _level, _name, _spellings in _OFFICER_RANKS:
    OFFICER_CANONICAL[_level] = _name
    for _s in _spellings:
        OFFICER_LEVEL[_s] = _level
INSPECTOR = 3

STAFF_BANDS = ("A", "B", "C", "D", "E", "F", "G")  # highest first
BAND_LEVEL = {b: 7 - i for i, b in enumerate(STAFF_BANDS)}  # A=7 ... G=1
ABOVE_BAND_A = 8
_SENIOR_STAFF = ("director", "deputy director", "senior director", "chief officer", "senior civil servant", "scs",
                 "chief operating officer", "chief people officer", "chief digital officer", "executive director")

# rank groups used in FOI statistics (001 asks for "the rank of the officer")
RANK_GROUPS_OFFICER = ("Constables", "Sergeants", "Inspectors and above")
UNKNOWN_RANK = "Rank not recorded"
UNKNOWN_BAND = "Band not recorded"
ABOVE_A_LABEL = "Senior staff (above Band A)"
SHADOW_LABEL = "Shadow bands"
STAFF_GROUPS = tuple(f"Band {b}" for b in STAFF_BANDS)

_PREFIX = re.compile(r"^(?:a/|t/|acting\s+|temporary\s+|temp\s+)", re.IGNORECASE)
_BAND = re.compile(r"^(?:band\s*|grade\s*)?([a-z])(?:\s*\(?shadow\)?)?$", re.IGNORECASE)
_SHADOW = re.compile(r"^(?:shadow\s+band|band)\s*([h-y])$|^([h-y])\s+shadow$", re.IGNORECASE)


def _clean(text: str) -> str:
    t = text.strip().lower().replace(".", " ")
    t = _PREFIX.sub("", t)
    return re.sub(r"\s+", " ", t).strip()


def officer_level(rank: str) -> int | None:
    """1 (constable) ... 11 (commissioner), or None when the rank is not recognised."""
    return OFFICER_LEVEL.get(_clean(rank))


@dataclass(frozen=True)
class Grade:
    """A normalised grade: ``kind`` officer|staff|unknown; ``level`` higher is more senior
    (officers 1-11; staff G=1 ... A=7, above Band A = 8; shadow bands 0: unknown level)."""

    kind: str
    level: int | None
    label: str


def parse_grade(text: str, kind_hint: str | None = None) -> Grade:
    """Read a rank or band as written in a register or staff directory."""
    raw = (text or "").strip()
    if not raw:
        return Grade(kind_hint or "unknown", None, "")
    cleaned = _clean(raw)
    if kind_hint != "staff":
        lvl = OFFICER_LEVEL.get(cleaned)
        if lvl is not None:
            return Grade("officer", lvl, OFFICER_CANONICAL[lvl])
    m = _SHADOW.match(cleaned)
    if m:
        return Grade("staff", 0, SHADOW_LABEL)
    m = _BAND.match(cleaned)
    if m and (cleaned.startswith(("band", "grade")) or kind_hint == "staff"):
        letter = m.group(1).upper()
        if letter in BAND_LEVEL:
            return Grade("staff", BAND_LEVEL[letter], f"Band {letter}")
        return Grade("staff", 0, SHADOW_LABEL)
    if cleaned in _SENIOR_STAFF or cleaned.startswith(("director", "chief ")):
        return Grade("staff", ABOVE_BAND_A, ABOVE_A_LABEL)
    if kind_hint == "officer":
        lvl = OFFICER_LEVEL.get(cleaned)
        if lvl is not None:
            return Grade("officer", lvl, OFFICER_CANONICAL[lvl])
    return Grade(kind_hint or "unknown", None, raw)


def rank_group(subject_type: str, rank_or_band: str) -> str:
    """The statistics group: officers as constables / sergeants / inspectors and above;
    staff by band (senior staff above Band A and shadow bands apart)."""
    g = parse_grade(rank_or_band, subject_type)
    if subject_type == "officer":
        if g.kind != "officer" or g.level is None:
            return UNKNOWN_RANK
        return RANK_GROUPS_OFFICER[min(g.level, INSPECTOR) - 1]
    if g.kind != "staff" or g.level is None:
        return UNKNOWN_BAND
    if g.level == ABOVE_BAND_A:
        return ABOVE_A_LABEL
    if g.level == 0:
        return SHADOW_LABEL
    return g.label


def group_order(subject_type: str) -> tuple[str, ...]:
    if subject_type == "officer":
        return (*RANK_GROUPS_OFFICER, UNKNOWN_RANK)
    return (ABOVE_A_LABEL, *STAFF_GROUPS, SHADOW_LABEL, UNKNOWN_BAND)


@dataclass(frozen=True)
class Seniority:
    """Who is named in a release.  Names of officers up to and including
    ``officer_max_redacted`` (default Inspector: constables to inspectors) and of staff at
    ``staff_max_redacted`` and below (default Band A: every banded member of staff, shadow
    bands included) are withheld under s40(2); more senior names are released."""

    officer_max_redacted: int = INSPECTOR
    staff_max_redacted: int = BAND_LEVEL["A"]

    @classmethod
    def from_names(cls, officer: str = "Inspector", staff: str = "Band A") -> Seniority:
        from chatwarden.errors import ConfigError

        lvl = officer_level(officer)
        if lvl is None:
            raise ConfigError("the officer seniority for redaction is not a rank chatwarden knows "
                              "(use e.g. Inspector or Chief Inspector)")
        g = parse_grade(staff, "staff")
        if g.kind != "staff" or g.level in (None, 0):
            raise ConfigError("the staff seniority for redaction must be a band A-G (e.g. Band A)")
        return cls(lvl, g.level)

    def redact(self, grade: Grade) -> bool:
        """True when a person of this grade is not to be named.  Unknown grades are
        withheld (the safe side)."""
        if grade.level is None:
            return True
        if grade.kind == "officer":
            return grade.level <= self.officer_max_redacted
        if grade.kind == "staff":
            return grade.level == 0 or grade.level <= self.staff_max_redacted
        return True
