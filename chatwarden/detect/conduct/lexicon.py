"""Loading and compiling the conduct lexicons (``data/*.yaml``).

Every offensive string lives in those data files; this module only knows their shape.  The
loader is strict: unknown fields, duplicate keys, duplicate terms across entries and bad
values are all collected and raised together as one :class:`ConfigError` whose problems
carry ``file:line`` (never the offending term itself).

Terms are compiled into :class:`Pattern` values (one frozenset of allowed tokens per
position) and gathered in one :class:`PhraseIndex` keyed by first token, so the detector
looks every token up once, whatever kind of pattern (lexicon term, group word, cue) it
might start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from chatwarden.errors import ConfigError

DATA_PACKAGE = "chatwarden.detect.conduct"
DATA_DIR = "data"

LABEL_FILES = (
    "racist",
    "misogynistic",
    "sexual",
    "homophobic",
    "transphobic",
    "religious_hostility",
    "ableist",
    "violent",
    "bullying",
    "demeaning",
    "profanity",
)
PROFANITY = "conduct.profanity"
LABELS = tuple(f"conduct.{name}" for name in LABEL_FILES)
IDENTITY_LABELS = frozenset(
    {
        "conduct.racist",
        "conduct.misogynistic",
        "conduct.homophobic",
        "conduct.transphobic",
        "conduct.religious_hostility",
        "conduct.ableist",
    }
)

SEVERITY_SCORE = {"high": 0.95, "medium": 0.85, "low": 0.7}
PROFANITY_SCORE = {"high": 0.35, "medium": 0.25, "low": 0.15}
KINDS = frozenset({"slur", "dehumanising", "stereotype", "phrase", "threat", "sexual", "insult", "swear"})
ENTRY_FIELDS = frozenset(
    {
        "id", "kind", "group", "severity", "needs_context", "needs_target", "frame_only", "reclaimable", "plurals", "terms",
        "not_before", "not_after", "homonym_words", "also", "note", "examples",
    }
)
GROUP_FIELDS = frozenset({"id", "label", "name", "protected", "terms", "plurals", "not_before", "not_after"})
PATTERN_CLASSES = ("obj", "poss", "subj", "people", "target_nouns")
NON_CUE_CLASSES = frozenset(PATTERN_CLASSES) | {"common"}

# Same token shape as the detector's tokenizer: word characters plus the look-alike symbols
# people use to dodge filters, with an optional apostrophe suffix (don't, she's, woman's).
TOKEN_RE = re.compile(r"[\w@$*]+(?:'\w+)*")


VARIANT_CUE_CLASSES = ("hate_verbs", "neg_eval", "dehumanising", "threat")


def spelling_variants(word: str, swaps: bool = True) -> set[str]:
    """One interior letter dropped (or, with ``swaps``, two neighbours swapped); the first
    letter is kept, as people keep it when they misspell."""
    out: set[str] = set()
    n = len(word)
    for k in range(1, n - 1):
        out.add(word[:k] + word[k + 1 :])
    if n >= 5:
        out.add(word[:-1])  # a dropped final letter only for longer words
    if swaps:
        for k in range(1, n - 1):
            if word[k] != word[k + 1]:
                out.add(word[:k] + word[k + 1] + word[k] + word[k + 2 :])
    out.discard(word)
    return out


def tokenize_term(term: str) -> list[str]:
    """Tokens of a lexicon term as written (lower case; hyphens and slashes separate)."""
    return TOKEN_RE.findall(term.lower().replace("-", " ").replace("/", " "))


def plural_forms(word: str) -> list[str]:
    """English plurals of a one-token word (a superset is harmless: it only adds keys)."""
    if len(word) < 3 or word.endswith("s") or "'" in word:
        return []
    if word.endswith(("x", "z", "ch", "sh")):
        return [word + "es"]
    if word.endswith("y") and word[-2] not in "aeiou":
        return [word[:-1] + "ies", word + "s"]
    return [word + "s"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: a family of terms with one label, severity and context rule."""

    id: str
    label: str
    kind: str
    severity: str
    needs_context: bool
    reclaimable: bool
    group: str | None
    needs_target: bool
    frame_only: bool
    not_before: frozenset[str]
    not_after: frozenset[str]
    homonym_words: frozenset[str]
    also: tuple[str, ...]
    examples_match: tuple[str, ...]
    examples_no_match: tuple[str, ...]
    source: str

    @property
    def base_score(self) -> float:
        if self.label == PROFANITY:
            return PROFANITY_SCORE[self.severity]
        return SEVERITY_SCORE[self.severity]

    @property
    def is_profanity(self) -> bool:
        return self.label == PROFANITY


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    label: str
    name: str
    protected: bool
    not_before: frozenset[str]
    not_after: frozenset[str]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled term.  ``kind`` is "lex", "group" or "cue"; ``owner`` the entry, group or
    cue class it belongs to."""

    kind: str
    owner: Any
    slots: tuple[frozenset[str], ...]
    optional: tuple[bool, ...]
    fixed: bool = field(init=False)  # no optional position: a fixed-length sequence

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", not any(self.optional))

    def match_at(self, toks: list[str], i: int) -> int | None:
        """Exclusive end index of the longest match starting at token ``i``, or None."""
        return _match(self.slots, self.optional, 0, toks, i)


def _match(slots: tuple[frozenset[str], ...], optional: tuple[bool, ...], k: int, toks: list[str], i: int) -> int | None:
    if k == len(slots):
        return i
    best: int | None = None
    if i < len(toks) and toks[i] in slots[k]:
        best = _match(slots, optional, k + 1, toks, i + 1)
    if best is None and optional[k]:
        best = _match(slots, optional, k + 1, toks, i)
    return best


@dataclass
class PhraseIndex:
    """Patterns keyed by the tokens they may start with."""

    first: dict[str, list[Pattern]] = field(default_factory=dict)
    # first token -> (its patterns, those of them that are not fixed sequences of two or
    # more tokens, the tokens any of those sequences may go on with); built on first use
    _plan: dict[str, tuple[list[Pattern], list[Pattern], frozenset[str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def add(self, pattern: Pattern) -> None:
        for tok in pattern.slots[0]:
            self.first.setdefault(tok, []).append(pattern)
        self._plan = None

    def _build_plan(self) -> dict[str, tuple[list[Pattern], list[Pattern], frozenset[str]]]:
        plan = {}
        for tok, patterns in self.first.items():
            seqs = [p for p in patterns if p.fixed and len(p.slots) >= 2]
            rest = [p for p in patterns if not (p.fixed and len(p.slots) >= 2)]
            plan[tok] = (patterns, rest, frozenset().union(*(p.slots[1] for p in seqs)))
        self._plan = plan
        return plan

    def find(self, toks: list[str]) -> list[tuple[Pattern, int, int]]:
        """Every (pattern, start, end) match in ``toks``, by start and then index order."""
        plan = self._plan if self._plan is not None else self._build_plan()
        n = len(toks)
        out: list[tuple[Pattern, int, int]] = []
        for i, t in enumerate(toks):
            got = plan.get(t)
            if got is None:
                continue
            # when the next token goes on no sequence, only the other patterns can match
            cands = got[0] if i + 1 < n and toks[i + 1] in got[2] else got[1]
            for p in cands:
                slots = p.slots
                size = len(slots)
                if p.fixed:
                    # the common case: a fixed-length sequence
                    if size == 1:
                        out.append((p, i, i + 1))
                        continue
                    if i + size > n:
                        continue
                    k = 1
                    while k < size and toks[i + k] in slots[k]:
                        k += 1
                    if k == size:
                        out.append((p, i, i + size))
                    continue
                j = p.match_at(toks, i)
                if j is not None and j > i:
                    out.append((p, i, j))
        return out


@dataclass
class Lexicon:
    """Everything loaded from ``data/``: entries, groups, cue classes and the phrase index."""

    entries: dict[str, Entry]
    groups: dict[str, Group]
    classes: dict[str, frozenset[str]]
    cue_phrases: dict[str, list[tuple[str, ...]]]
    index: PhraseIndex
    single_terms: dict[int, list[str]]  # length -> one-token lexicon terms (wildcard lookups)
    term_count: int
    token_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word -> cue classes
    # cue class -> characters (emoji) that count as that class wherever they appear
    marks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def anchors(self) -> frozenset[str]:
        """Derogatory cue words and one-token lexicon terms (compound splitting needs one)."""
        cached = self.__dict__.get("_anchors")
        if cached is None:
            words: set[str] = set()
            for cls in VARIANT_CUE_CLASSES:
                words.update(self.classes.get(cls, ()))
            for terms in self.single_terms.values():
                words.update(terms)
            cached = frozenset(words)
            self.__dict__["_anchors"] = cached
        return cached

    @property
    def topic_classes(self) -> tuple[tuple[str, str], ...]:
        """(class, short name) of the ``topic_*`` cue classes, in a fixed order."""
        return self._prefixed("topic_")

    @property
    def stance_classes(self) -> tuple[tuple[str, str], ...]:
        """(class, short name) of the ``stance_*`` cue classes, in a fixed order."""
        return self._prefixed("stance_")

    def _prefixed(self, prefix: str) -> tuple[tuple[str, str], ...]:
        key = "_prefixed_" + prefix
        got = self.__dict__.get(key)
        if got is None:
            names = set(self.classes) | set(self.cue_phrases) | set(self.marks)
            got = tuple((c, c[len(prefix):]) for c in sorted(names) if c.startswith(prefix))
            self.__dict__[key] = got
        return got

    def cue(self, name: str) -> frozenset[str]:
        return self.classes.get(name, frozenset())

    def with_spelling_variants(self, known: frozenset[str]) -> Lexicon:
        """A copy that also recognises one-letter misspellings of group words and
        derogatory cue words ("womn", "despicble", "thraet"), as people type them to dodge
        filters or by accident.  ``known`` holds real words that a variant must not be
        (the model's vocabulary), so "lies" is never read as a misspelt "lives"."""
        index = PhraseIndex({k: list(v) for k, v in self.index.first.items()})
        taken = set(known) | set(self.token_cues) | set(index.first)
        token_cues = dict(self.token_cues)
        for cls in VARIANT_CUE_CLASSES:
            for word in sorted(self.classes.get(cls, ())):
                if len(word) < 4 or not word.isalpha():
                    continue
                for v in spelling_variants(word):
                    if v in taken:
                        continue
                    token_cues[v] = tuple(sorted(set(token_cues.get(v, ())) | {cls}))
        added: list[Pattern] = []
        for patterns in self.index.first.values():
            for p in patterns:
                if p.kind != "group" or len(p.slots[0]) != 1:
                    continue
                (word,) = tuple(p.slots[0])
                minimum = 3 if len(p.slots) > 1 else 5
                if len(word) < minimum or not word.isalpha():
                    continue
                for v in spelling_variants(word, swaps=False):
                    if v in taken:
                        continue
                    added.append(Pattern("group", p.owner, (frozenset({v}),) + p.slots[1:], p.optional))
        seen: set[tuple[frozenset[str], ...]] = set()
        for p in added:
            if p.slots in seen:
                continue
            seen.add(p.slots)
            index.add(p)
        return Lexicon(
            entries=self.entries,
            groups=self.groups,
            classes=self.classes,
            cue_phrases=self.cue_phrases,
            index=index,
            single_terms=self.single_terms,
            term_count=self.term_count,
            token_cues=token_cues,
            marks=self.marks,
        )


# --------------------------------------------------------------------------------------
# Strict YAML loading
# --------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (reported with their line)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _LinedLoader(_StrictLoader):
    """Adds ``__line__`` to every mapping so problems can name their line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


# YAML 1.1 reads yes/no/on/off as booleans; in word lists they are words.  Only
# true/false are booleans here.
_LinedLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LinedLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def _read_yaml(name: str, problems: list[str], root: Path | None = None) -> Any:
    path = f"{DATA_DIR}/{name}.yaml"
    try:
        if root is not None:
            text = (root / f"{name}.yaml").read_text(encoding="utf-8")
        else:
            text = resources.files(DATA_PACKAGE).joinpath(path).read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(f"{path}: cannot read ({exc.__class__.__name__})")
        return None
    try:
        return yaml.load(text, Loader=_LinedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        problems.append(f"{path}{line}: {problem}")
        return None


def _str_list(value: Any, where: str, field_name: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        problems.append(f"{where}: {field_name} must be a list of strings")
        return []
    return [str(v) for v in value]


def _word_set(value: Any, where: str, field_name: str, problems: list[str]) -> frozenset[str]:
    """One-token words (not_before / not_after compare one neighbouring token)."""
    out: set[str] = set()
    for n, w in enumerate(_str_list(value, where, field_name, problems), 1):
        toks = tokenize_term(w)
        if len(toks) != 1:
            problems.append(f"{where}: {field_name} item {n} must be one word")
            continue
        out.add(toks[0])
    return frozenset(out)


def _compile_term(
    term: str, classes: dict[str, frozenset[str]], where: str, problems: list[str]
) -> tuple[tuple[frozenset[str], ...], tuple[bool, ...]] | None:
    slots: list[frozenset[str]] = []
    optional: list[bool] = []
    for raw in term.lower().replace("-", " ").split():
        opt = raw.endswith("?") and len(raw) > 1
        if opt:
            raw = raw[:-1]
        if raw.startswith("<") and raw.endswith(">"):
            cls = raw[1:-1]
            if cls not in PATTERN_CLASSES or cls not in classes:
                problems.append(f"{where}: unknown word class <{cls}> in a term")
                return None
            slots.append(classes[cls])
            optional.append(opt)
            continue
        alts: set[str] = set()
        for alt in raw.split("|"):
            toks = tokenize_term(alt)
            if len(toks) != 1:
                # "it's" stays one token; "a/b" is split above; anything else is a typo.
                if not toks:
                    problems.append(f"{where}: a term has an empty token")
                    return None
                # Several tokens in one position: insert them as a sequence.
                for t in toks[:-1]:
                    slots.append(frozenset({t}))
                    optional.append(False)
                alts.add(toks[-1])
            else:
                alts.add(toks[0])
        slots.append(frozenset(alts))
        optional.append(opt)
    if not slots:
        problems.append(f"{where}: empty term")
        return None
    if optional[0]:
        problems.append(f"{where}: a term may not start with an optional token")
        return None
    return tuple(slots), tuple(optional)


def _expand_plurals(term: str) -> list[str]:
    words = term.split()
    if not words or words[-1].startswith("<") or "|" in words[-1] or words[-1].endswith("?"):
        return []
    return [" ".join(words[:-1] + [p]) for p in plural_forms(words[-1])]


def load_lexicon(root: Path | None = None) -> Lexicon:
    """Load and compile every data file (from the package, or from the folder ``root``);
    raise ConfigError listing all problems."""
    problems: list[str] = []

    # Cue classes first: patterns refer to them.
    cues = _read_yaml("cues", problems, root)
    classes: dict[str, frozenset[str]] = {}
    cue_phrases: dict[str, list[tuple[str, ...]]] = {}
    if isinstance(cues, dict) and isinstance(cues.get("classes"), dict):
        for cls, words in cues["classes"].items():
            if cls == "__line__":
                continue
            items = _str_list(words, f"{DATA_DIR}/cues.yaml:{cues['classes'].get('__line__', 0)}", cls, problems)
            singles: set[str] = set()
            phrases: list[tuple[str, ...]] = []
            for w in items:
                toks = tuple(tokenize_term(w))
                if len(toks) == 1:
                    singles.add(toks[0])
                elif toks:
                    phrases.append(toks)
            classes[cls] = frozenset(singles)
            cue_phrases[cls] = phrases
        for cls in PATTERN_CLASSES:
            if cls not in classes:
                problems.append(f"{DATA_DIR}/cues.yaml: missing word class {cls}")
    elif cues is not None:
        problems.append(f"{DATA_DIR}/cues.yaml: expected a mapping with 'classes'")
    marks = _read_marks(cues, classes, problems)

    index = PhraseIndex()
    entries: dict[str, Entry] = {}
    seen_terms: dict[tuple[frozenset[str], ...], str] = {}
    single_terms: dict[int, set[str]] = {}
    term_count = 0

    for name in LABEL_FILES:
        data = _read_yaml(name, problems, root)
        where_file = f"{DATA_DIR}/{name}.yaml"
        if data is None:
            continue
        if not isinstance(data, dict) or "label" not in data or not isinstance(data.get("entries"), list):
            problems.append(f"{where_file}: expected keys 'label' and 'entries'")
            continue
        label = data["label"]
        if label != f"conduct.{name}":
            problems.append(f"{where_file}:{data.get('__line__', 1)}: label must be conduct.{name}")
            continue
        for raw in data["entries"]:
            if not isinstance(raw, dict):
                problems.append(f"{where_file}: every entry must be a mapping")
                continue
            line = raw.get("__line__", 0)
            where = f"{where_file}:{line}"
            unknown = sorted(k for k in raw if k not in ENTRY_FIELDS and k != "__line__")
            if unknown:
                problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
            eid = raw.get("id")
            if not isinstance(eid, str) or not eid.startswith(f"{name}."):
                problems.append(f"{where}: id must start with '{name}.'")
                continue
            if eid in entries:
                problems.append(f"{where}: duplicate id {eid}")
                continue
            kind = raw.get("kind", "phrase")
            if kind not in KINDS:
                problems.append(f"{where}: kind must be one of {', '.join(sorted(KINDS))}")
            severity = raw.get("severity", "medium")
            if severity not in SEVERITY_SCORE:
                problems.append(f"{where}: severity must be high, medium or low")
                severity = "medium"
            also = tuple(_str_list(raw.get("also"), where, "also", problems))
            for extra in also:
                if extra not in LABELS:
                    problems.append(f"{where}: unknown label {extra} in also")
            examples = raw.get("examples") or {}
            if not isinstance(examples, dict):
                problems.append(f"{where}: examples must be a mapping with match/no_match")
                examples = {}
            for flag in ("needs_context", "needs_target", "frame_only", "reclaimable", "plurals"):
                if flag in raw and not isinstance(raw[flag], bool):
                    problems.append(f"{where}: {flag} must be true or false")
            entry = Entry(
                id=eid,
                label=label,
                kind=kind,
                severity=severity,
                needs_context=bool(raw.get("needs_context", False)),
                reclaimable=bool(raw.get("reclaimable", False)),
                group=raw.get("group"),
                needs_target=bool(raw.get("needs_target", False)),
                frame_only=bool(raw.get("frame_only", False)),
                not_before=_word_set(raw.get("not_before"), where, "not_before", problems),
                not_after=_word_set(raw.get("not_after"), where, "not_after", problems),
                homonym_words=frozenset(
                    t for w in _str_list(raw.get("homonym_words"), where, "homonym_words", problems) for t in tokenize_term(w)
                ),
                also=also,
                examples_match=tuple(_str_list(examples.get("match"), where, "examples.match", problems)),
                examples_no_match=tuple(_str_list(examples.get("no_match"), where, "examples.no_match", problems)),
                source=where,
            )
            entries[eid] = entry
            terms = _str_list(raw.get("terms"), where, "terms", problems)
            if not terms:
                problems.append(f"{where}: entry {eid} has no terms")
            plurals = bool(raw.get("plurals", True))
            own: set[tuple[frozenset[str], ...]] = set()
            for n, term in enumerate(terms, 1):
                forms = [term] + (_expand_plurals(term) if plurals else [])
                for k, form in enumerate(forms):
                    compiled = _compile_term(form, classes, f"{where} (term {n})", problems)
                    if compiled is None:
                        continue
                    slots, optional = compiled
                    if slots in own:
                        continue
                    other = seen_terms.get(slots)
                    if other is not None and other != eid:
                        if k == 0:  # an explicit duplicate; generated plurals may collide quietly
                            problems.append(f"{where}: term {n} of {eid} is also a term of {other}")
                        continue
                    own.add(slots)
                    seen_terms[slots] = eid
                    index.add(Pattern("lex", entry, slots, optional))
                    term_count += 1
                    if len(slots) == 1:
                        for tok in slots[0]:
                            single_terms.setdefault(len(tok), set()).add(tok)

    groups: dict[str, Group] = {}
    gdata = _read_yaml("groups", problems, root)
    if isinstance(gdata, dict) and isinstance(gdata.get("groups"), list):
        for raw in gdata["groups"]:
            if not isinstance(raw, dict):
                problems.append(f"{DATA_DIR}/groups.yaml: every group must be a mapping")
                continue
            where = f"{DATA_DIR}/groups.yaml:{raw.get('__line__', 0)}"
            unknown = sorted(k for k in raw if k not in GROUP_FIELDS and k != "__line__")
            if unknown:
                problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")
            gid = raw.get("id")
            glabel = raw.get("label")
            if not isinstance(gid, str) or not gid.startswith("group.") or gid in groups:
                problems.append(f"{where}: group id must be unique and start with 'group.'")
                continue
            if glabel not in LABELS or glabel == PROFANITY:
                problems.append(f"{where}: unknown label for group {gid}")
                continue
            group = Group(
                id=gid,
                label=glabel,
                name=str(raw.get("name", gid)),
                protected=bool(raw.get("protected", True)),
                not_before=_word_set(raw.get("not_before"), where, "not_before", problems),
                not_after=_word_set(raw.get("not_after"), where, "not_after", problems),
            )
            groups[gid] = group
            plurals = bool(raw.get("plurals", False))
            for n, term in enumerate(_str_list(raw.get("terms"), where, "terms", problems), 1):
                forms = [term] + (_expand_plurals(term) if plurals else [])
                for form in forms:
                    compiled = _compile_term(form, classes, f"{where} (term {n})", problems)
                    if compiled is None:
                        continue
                    slots, optional = compiled
                    index.add(Pattern("group", group, slots, optional))
    elif gdata is not None:
        problems.append(f"{DATA_DIR}/groups.yaml: expected a mapping with 'groups'")

    # Cue phrases (multi-token cue entries) go into the same index; single-token cues are
    # looked up in the class sets directly.
    for cls, phrases in cue_phrases.items():
        for toks in phrases:
            index.add(Pattern("cue", cls, tuple(frozenset({t}) for t in toks), tuple(False for _ in toks)))

    if problems:
        raise ConfigError(f"conduct lexicon: {len(problems)} problem(s)", problems)

    token_cues: dict[str, list[str]] = {}
    for cls, words in classes.items():
        if cls in NON_CUE_CLASSES:
            continue
        for w in words:
            token_cues.setdefault(w, []).append(cls)
    return Lexicon(
        entries=entries,
        groups=groups,
        classes=classes,
        cue_phrases=cue_phrases,
        index=index,
        single_terms={k: sorted(v) for k, v in sorted(single_terms.items())},
        term_count=term_count,
        token_cues={w: tuple(sorted(c)) for w, c in token_cues.items()},
        marks=marks,
    )


def _read_marks(cues: Any, classes: dict[str, frozenset[str]], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """``marks`` in cues.yaml: cue class -> characters (emoji) that count as that class
    wherever they stand in a message (the tokenizer sees words only)."""
    if not isinstance(cues, dict) or cues.get("marks") is None:
        return {}
    raw = cues["marks"]
    if not isinstance(raw, dict):
        problems.append(f"{DATA_DIR}/cues.yaml: marks must be a mapping of class to characters")
        return {}
    where = f"{DATA_DIR}/cues.yaml:{raw.get('__line__', 0)}"
    out: dict[str, tuple[str, ...]] = {}
    for cls, items in raw.items():
        if cls == "__line__":
            continue
        if cls not in classes:
            problems.append(f"{where}: marks for unknown class {cls}")
            continue
        chars = _str_list(items, where, f"marks.{cls}", problems)
        bad = [n for n, c in enumerate(chars, 1) if not c or len(c) > 4 or any(ch.isalnum() or ch.isspace() for ch in c)]
        if bad:
            problems.append(f"{where}: marks.{cls} item(s) {bad} must be a short run of non-word characters")
            continue
        out[cls] = tuple(sorted(set(chars)))
    return out
