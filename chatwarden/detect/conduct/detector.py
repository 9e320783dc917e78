"""The ``conduct`` detector: content that breaches the Standards of Professional Behaviour.

Racist, misogynistic, sexual, homophobic, transphobic, religiously hostile, ableist,
violent, bullying or demeaning content (including "banter" and contempt for victims and
detainees).  Plain swearing is reported separately as ``conduct.profanity`` with a low score.

How a message is judged:

1. A cheap prefilter: unless the message holds a lexicon, group or cue word (or looks
   obfuscated: ``h4te``, ``s c u m``), nothing more is done.
2. The message is analysed (:mod:`.analysis`): tokens with offsets, clauses, quotes,
   negation scope, lexicon and group matches.
3. Lexicon terms fire on their own when unambiguous; terms that also have a harmless sense
   need an insult frame or the classifier's agreement.  Reported, quoted or challenged
   words (quotation, "called me a", counter-speech, training notices, offence descriptions)
   and reclaimed in-group use do not fire.
4. The classifier (:mod:`.model`) scores the whole message; above its threshold, a message
   about a protected group is labelled with that group's label (span: the whole text),
   unless every derogatory cue in it is negated or reported.  A confident score about
   victims, detainees or the public is contempt (``conduct.demeaning``) even with no cue
   word.
5. When nothing above found a breach, the implicit classifier judges the message: contempt
   for victims, jokes about a death, approval of violence against women or detainees,
   "jokes" about consent, remarks about a colleague's sex, race, religion, sexuality or
   disability, none of which needs a slur.  Its heads name the label and each label has
   its own threshold (chosen by cross-validation when the model was trained).  A message
   that names a protected group reaches it when the main model is confident or a
   misconduct stance word (a joke, dismissal, endorsement of harm, generalisation) is there,
   or else only when the main model gives at least 0.2 and the implicit model at least 0.8.
   The prefilter's gate lets such messages reach this step although they hold no lexicon word.

Hits explain themselves without quoting the message: the lexicon entry id or "model", the
score and a short reason.  Nothing here logs anything.
"""

from __future__ import annotations

import threading
from collections.abc import Container
from dataclasses import dataclass
from typing import Callable, ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.conduct.analysis import (
    FRAMED_KINDS,
    OFFENDING_CLASSES,
    Analysis,
    Prefilter,
    analyse,
    insult_frame,
    make_wildcard,
    quick_view,
    reclaim_frame,
    report_context,
)
from chatwarden.detect.conduct.features import context_features, implicit_extract, topic_stance
from chatwarden.detect.conduct.lexicon import IDENTITY_LABELS, LABELS, PROFANITY, Group, Lexicon, load_lexicon
from chatwarden.detect.conduct.model import ConductModel, load_packaged_model, sigmoid
from chatwarden.errors import ConfigError

# A classifier score that fires about a group even without a derogatory cue word.
STRONG_MODEL_THRESHOLD = 0.9
# A message with no group word and no lexicon term needs a confident classifier too.
MODEL_ONLY_THRESHOLD = 0.7
NAMING_CLASSES = ("report_nouns", "counter_cues", "offence_cues", "training_cues")
# Swearing aimed at someone: a strong swear word followed by one of these (or by a group).
DIRECTED_AFTER = frozenset({"all", "off", "them", "those", "these", "you", "every", "themselves", "yourself", "yourselves", "em"})
# "not worth any less": a denial of a comparison, not of worth.
COMPARATIVES = frozenset({"less", "fewer", "lower", "inferior", "worse"})
# Cue kinds strong enough to lift a hesitant classifier score about a group.
BOOST_KINDS = frozenset({"hate_verbs", "dehumanising"})
CUE_BOOST = 0.25
DEMEANING = "conduct.demeaning"
BULLYING = "conduct.bullying"
IMPLICIT_PATTERN = "model.implicit"
# Stances (cues.yaml ``stance_*``) that let the implicit model judge a message naming a
# protected group: said with one of these, a mention of a group is a remark about it.
MISCONDUCT_STANCES = frozenset({"joke", "dismiss", "endorse", "generalise", "harm"})
# Words that make a mention of a named group a remark about it (cues.yaml ``group_remark``):
# they open the implicit model to the message as a misconduct stance does.
GROUP_REMARK = "group_remark"
# An identity label from the implicit model needs the message to name the group or to
# hold one of these topics (cues.yaml ``topic_*``): "IC3", a turban, "she", a stammer.
IDENTITY_TOPICS = {
    "conduct.misogynistic": frozenset({"woman"}),
    "conduct.racist": frozenset({"identity"}),
    "conduct.religious_hostility": frozenset({"identity"}),
    "conduct.homophobic": frozenset({"identity"}),
    "conduct.transphobic": frozenset({"identity", "woman"}),
    "conduct.ableist": frozenset({"vulnerable"}),
}
# A message that names a protected group with no misconduct stance word reaches the
# implicit model only when the main model gives it at least PROTECTED_MAIN, and the implicit
# model must then reach PROTECTED_IMPLICIT (on top of its label threshold): two models that
# agree, so that neutral and positive mentions of a group ("they work with a lot of ...")
# stay unflagged.
PROTECTED_MAIN = 0.2
PROTECTED_IMPLICIT = 0.8
MISOGYNISTIC = "conduct.misogynistic"
# Contexts in which a lexicon term was not the writer's own words (quoted, reported,
# challenged, taught about): the implicit model then needs PROTECTED_IMPLICIT as well.
NEUTRALISING = frozenset({"quotation", "counter_speech", "reporting", "training_notice"})
# "she", "her": the person a remark is about is a woman, which is enough for the implicit
# model's misogynistic head when no group or topic word says so.
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself", "she's", "shes", "she'd", "she'll"})
# A second label from the implicit heads (violent *and* misogynistic) needs this head score.
SECOND_LABEL_HEAD = 0.5
# Words after a violent verb that show someone is on the receiving end.
TARGET_WORDS = frozenset(
    {"him", "her", "them", "you", "ya", "u", "us", "em", "'em", "yourself", "himself", "herself", "themselves",
     "that", "those", "these", "this", "every", "all", "some", "each", "any", "his", "their", "your"}
)
PASSIVE_AUX = frozenset({"be", "been", "being", "get", "gets", "got", "getting"})
PAST_IRREGULAR = frozenset({"shot", "hit", "beat", "beaten", "cut", "hung", "struck", "threw", "thrown", "broke", "broken", "slit", "burnt", "stuck", "put", "ran", "run", "fell", "bit", "bitten", "strangled", "choked"})


_KIND_WORDS = {
    "slur": "slur",
    "dehumanising": "dehumanising term",
    "stereotype": "derogatory stereotype",
    "phrase": "abusive phrase",
    "threat": "violent threat or fantasy",
    "sexual": "sexualised comment",
    "insult": "insult",
    "swear": "swearing",
}


@dataclass(frozen=True, slots=True)
class _State:
    lexicon: Lexicon
    model: ConductModel
    wildcard: Callable[[str], str | None]
    known: Container[str]
    prefilter: Prefilter


_DEFAULT_STATE: _State | None = None
_LOCK = threading.Lock()


def _build_state(model: ConductModel | None, lexicon: Lexicon | None) -> _State:
    lex = lexicon if lexicon is not None else load_lexicon()
    mdl = model if model is not None else load_packaged_model()
    if mdl is None:
        raise ConfigError(
            "conduct detector: the packaged model file chatwarden/detect/conduct/model.json.gz is missing; "
            "run training/train_conduct.py"
        )
    lex = lex.with_spelling_variants(mdl.known_words)
    prefilter = Prefilter.from_lexicon(lex)
    if mdl.gate is not None and mdl.implicit is not None:
        prefilter = prefilter.with_gate(mdl.gate.passes, lex.marks, mdl.gate.min_words)
    # A lexicon entry's homonym words are real words ("knackered" beside "knacker"): a
    # run-together word is never split into them.
    known = mdl.known_words | {w for e in lex.entries.values() for w in e.homonym_words if w.isalpha()}
    return _State(lexicon=lex, model=mdl, wildcard=make_wildcard(lex), known=known, prefilter=prefilter)


def _default_state() -> _State:
    global _DEFAULT_STATE
    if _DEFAULT_STATE is None:
        with _LOCK:
            if _DEFAULT_STATE is None:
                _DEFAULT_STATE = _build_state(None, None)
    return _DEFAULT_STATE


def _drop_contained(pending: list[tuple[str, int, int, float, str, str]]) -> list[tuple[str, int, int, float, str, str]]:
    """A lexicon hit inside a longer lexicon hit that fired is not reported twice (a phrase
    beats a word inside it); classifier hits (the whole text) are kept."""
    if len(pending) < 2:
        return pending
    spans = sorted({(p[1], p[2]) for p in pending if not p[4].startswith("model")}, key=lambda s: (s[0], -s[1]))
    covered: set[tuple[int, int]] = set()
    reach_start, reach = -1, -1
    for a, b in spans:
        if b <= reach and (a, b) != (reach_start, reach):
            covered.add((a, b))  # inside a longer span that starts at or before it
        elif b > reach:
            reach_start, reach = a, b
    return [p for p in pending if p[4].startswith("model") or (p[1], p[2]) not in covered]


class ConductDetector(TextDetector):
    """Standards-of-Professional-Behaviour breaches in message text (see module docstring)."""

    name: ClassVar[str] = "conduct"
    version: ClassVar[str] = "1.5.0"
    labels: ClassVar[frozenset[str]] = frozenset(LABELS)

    def __init__(self, *, model: ConductModel | None = None, lexicon: Lexicon | None = None) -> None:
        """With no arguments the packaged lexicon and model are used (read on first scan,
        once per process).  Tests and training may pass their own."""
        self._custom = (model, lexicon) if (model is not None or lexicon is not None) else None
        self._state: _State | None = None

    # -- loading ------------------------------------------------------------------------
    def _get_state(self) -> _State:
        st = self._state
        if st is None:
            st = _build_state(*self._custom) if self._custom is not None else _default_state()
            self._state = st
        return st

    @property
    def model(self) -> ConductModel:
        return self._get_state().model

    @property
    def lexicon(self) -> Lexicon:
        return self._get_state().lexicon

    # -- public API ---------------------------------------------------------------------
    def scan(self, text: str) -> list[Hit]:
        if not text:
            return []
        st = self._state or self._get_state()
        view, low = quick_view(text)
        if not st.prefilter(low):
            return []
        an = analyse(text, st.lexicon, st.wildcard, st.known, view=view, low=low)
        return _decide(an, st)

    def probability(self, text: str) -> float:
        """The classifier's probability that ``text`` breaches the Standards (0..1), without
        the lexicon and context rules; for evaluation and calibration."""
        st = self._get_state()
        view, low = quick_view(text)
        an = analyse(text, st.lexicon, st.wildcard, st.known, view=view, low=low)
        return round(sigmoid(st.model.scorer.margin(an, st.lexicon)), 6)

    def implicit_probability(self, text: str) -> float:
        """The implicit classifier's probability (0..1), without the rules or the gate;
        0.0 when the model has no implicit part.  For evaluation and calibration."""
        st = self._get_state()
        imp = st.model.implicit
        if imp is None:
            return 0.0
        view, low = quick_view(text)
        an = analyse(text, st.lexicon, st.wildcard, st.known, view=view, low=low)
        return round(sigmoid(imp.margin(implicit_extract(an, st.lexicon))), 6)


def _decide(an: Analysis, st: _State) -> list[Hit]:
    lexicon = st.lexicon
    model = st.model
    threshold = model.threshold
    toks = an.toks
    contexts: set[str] = set()
    if an.dropped:
        contexts.add("harmless_sense")
    groups = _resolve_group_overlaps(an.groups)
    protected = [(g, i, j) for g, i, j in groups if g.protected]
    public = [(g, i, j) for g, i, j in groups if not g.protected]
    offending = _offending_spans(an, groups)
    prob_cache: list[float] = []
    boosted: list[bool] = []
    rc_cache: dict[tuple[int, int], str | None] = {}

    def reported(i: int, j: int) -> str | None:
        key = (i, j)
        if key not in rc_cache:
            rc_cache[key] = report_context(an, i, j, lexicon)
        return rc_cache[key]

    ctx_cache: list[list[str]] = []

    def context_feats() -> list[str]:
        if not ctx_cache:
            ctx_cache.append(context_features(an, lexicon))
        return ctx_cache[0]

    def prob() -> float:
        """Classifier probability, lifted when a group is named beside a strong derogatory
        cue word ("despise", "vermin") that is neither negated nor reported."""
        if not prob_cache:
            p = round(sigmoid(model.scorer.margin(an, lexicon, context_feats())), 4)
            lift = (
                p < threshold
                and bool(groups)
                and any(
                    kind in BOOST_KINDS and not an.negated[i] and reported(i, j) is None
                    for i, j, kind in offending
                )
            )
            if lift:
                p = round(1.0 - (1.0 - p) * (1.0 - CUE_BOOST), 4)
            prob_cache.append(p)
            boosted.append(lift)
        return prob_cache[0]

    professional = _professional(an)
    pending: list[tuple[str, int, int, float, str, str]] = []  # label, start, end, score, pattern, reason
    fired: set[str] = set()

    for entry, i, j in an.lex:
        ctx = reported(i, j)
        if ctx is not None:
            contexts.add(ctx)
            continue
        if entry.kind in ("threat", "sexual") and professional and _past_tense(toks[i]):
            contexts.add("professional")
            continue
        framed = entry.kind in FRAMED_KINDS and insult_frame(an, i, j, lexicon)
        if entry.reclaimable and not framed and reclaim_frame(an, i, j, lexicon):
            contexts.add("reclaimed")
            continue
        if entry.needs_target and not _has_target(an, i, j, groups):
            contexts.add("needs_context")
            continue
        what = _KIND_WORDS.get(entry.kind, entry.kind)
        target = f" aimed at {entry.group}" if entry.group else ""
        suffix = entry.label.split(".", 1)[1]
        if entry.is_profanity:
            score = entry.base_score
            reason = f"plain swearing (lexicon: {suffix}); unprofessional, not by itself a Standards breach"
        elif entry.needs_context:
            if entry.label == DEMEANING and any(an.sentence[gi] == an.sentence[i] for _g, gi, _gj in protected):
                continue  # about a protected group: the group's own label says it
            if entry.label == BULLYING and not an.cue_in_sentence("second_person", i):
                continue  # an insult between colleagues is addressed to someone
            p = prob()
            if not (framed or (p >= threshold and not entry.frame_only)):
                contexts.add("needs_context")
                continue
            score = round(max(0.5, min(entry.base_score, 0.5 + 0.5 * p)), 4)
            why = "insult frame" if framed and p < threshold else f"classifier score {p:.2f} agrees"
            reason = f"{what}{target} in a derogatory context (lexicon: {suffix}; {why})"
        else:
            score = entry.base_score
            reason = f"{what}{target} (lexicon: {suffix})"
        start, end = an.starts[i], an.ends[j - 1]
        pending.append((entry.label, start, end, score, entry.id, reason))
        fired.add(entry.label)
        for extra in entry.also:
            pending.append((extra, start, end, score, entry.id, reason))
            fired.add(extra)

    # Classifier decisions about groups (and, confidently, about anyone).
    identity_fired = bool(fired & IDENTITY_LABELS)
    has_conduct_hit = any(label != PROFANITY for label in fired)
    if protected or public or (offending and not has_conduct_hit and an.has("persons")):
        p = prob()
        fire = p >= threshold and (p >= STRONG_MODEL_THRESHOLD or bool(offending))
        if fire and _neutralised(an, offending, reported, contexts):
            fire = False
        if fire:
            done: set[str] = set()
            how = "classifier score with a derogatory cue word" if boosted and boosted[0] else "classifier score"
            for g, gi, gj in protected:
                if g.label in fired or g.label in done:
                    continue
                if identity_fired:
                    continue  # a slur already names who is targeted
                ctx = reported(gi, gj)
                if ctx is not None:  # the group is named inside reported or challenged words
                    contexts.add(ctx)
                    continue
                done.add(g.label)
                pending.append((g.label, 0, an.text_len, p, "model", f"{how} {p:.2f}; target group word present ({g.name})"))
            if not done and not has_conduct_hit and not offending and public and p >= STRONG_MODEL_THRESHOLD:
                # Contempt for a victim, detainee or member of the public needs no protected
                # group and no cue word when the classifier is confident.
                for g, gi, gj in public:
                    ctx_p = reported(gi, gj)
                    if ctx_p is not None:
                        contexts.add(ctx_p)
                        continue
                    pending.append((g.label, 0, an.text_len, p, "model", f"classifier score {p:.2f}; contempt for {g.name}"))
                    done.add(g.label)
                    break
            if not done and not has_conduct_hit and offending:
                if public:
                    g = public[0][0]
                    pending.append((g.label, 0, an.text_len, p, "model", f"{how} {p:.2f}; contempt for {g.name}"))
                elif p >= MODEL_ONLY_THRESHOLD and an.has("persons"):
                    label = BULLYING if an.has("second_person") else DEMEANING
                    pending.append(
                        (label, 0, an.text_len, p, "model", f"classifier score {p:.2f}; derogatory language about a person")
                    )

    # A message that names a protected group was judged above by the main model, which
    # knows how people speak *about* groups (neutrally, warmly, quoting); the implicit model
    # adds to that judgement where the main model is confident of a breach or the group is
    # named with a misconduct stance, or (at a higher bar) where both models lean that way.
    if model.implicit is not None and not any(p[0] != PROFANITY for p in pending):
        opened = (
            not protected or prob() >= STRONG_MODEL_THRESHOLD or _misconduct_stance(an, lexicon) or an.has(GROUP_REMARK)
        )
        if opened:
            # A lexicon term that was someone else's words, challenged or taught about
            # above leaves the implicit model a higher bar.
            floor = PROTECTED_IMPLICIT if not contexts.isdisjoint(NEUTRALISING) else 0.0
            pending.extend(_implicit(an, lexicon, model, context_feats(), protected, reported, floor))
        elif prob() >= PROTECTED_MAIN:
            pending.extend(_implicit(an, lexicon, model, context_feats(), protected, reported, PROTECTED_IMPLICIT))

    if not pending:
        return []
    pending = _drop_contained(pending)
    context = tuple(sorted(contexts))
    hits = [
        Hit(label=label, start=start, end=end, score=score, pattern=pattern, context=context, reason=reason)
        for label, start, end, score, pattern, reason in pending
    ]
    hits.sort(key=lambda h: (h.start, h.end, h.label))
    return hits


def _implicit(
    an: Analysis,
    lexicon: Lexicon,
    model: ConductModel,
    context: list[str],
    protected: list[tuple[Group, int, int]],
    reported: Callable[[int, int], str | None],
    floor: float = 0.0,
) -> list[tuple[str, int, int, float, str, str]]:
    """The implicit classifier's decision: [] or hits spanning the whole message.  ``floor``
    is a lowest probability on top of the label thresholds (for a message that names a
    protected group with no misconduct stance word)."""
    imp = model.implicit
    assert imp is not None
    feats = implicit_extract(an, lexicon, context)
    p = round(sigmoid(imp.margin(feats)), 4)
    if p < imp.lowest_threshold or p < floor:
        return []
    ranked = imp.label_scores(feats)
    if not ranked:
        return []
    named = [g for g, gi, gj in protected if reported(gi, gj) is None]
    group_labels = {g.label for g in named}
    topics, stances = topic_stance(an, lexicon)
    topic_set = set(topics)
    labels: list[str] = []
    for head, label in ranked:
        if labels and head < SECOND_LABEL_HEAD:
            break
        if label in IDENTITY_LABELS:
            if named and label not in group_labels:
                label = named[0].label  # the group the message names says whose identity
            elif (
                not named
                and topic_set.isdisjoint(IDENTITY_TOPICS.get(label, ()))
                and not (label == MISOGYNISTIC and not FEMALE_PRONOUNS.isdisjoint(an.toks))
            ):
                continue  # nothing in the message says whose identity: try the next head
        if label not in labels:
            labels.append(label)
        if len(labels) == 2:
            break
    about = ", ".join(topics[:3]) or "no named topic"
    how = ", ".join(s for s in stances[:3] if not s.endswith("-")) or "no stance word"
    out: list[tuple[str, int, int, float, str, str]] = []
    for label in labels:
        t = imp.thresholds.get(label)
        if t is None or p < t:
            continue
        reason = (
            f"implicit classifier score {p:.2f} (threshold {t:.2f} for {label.split('.', 1)[1]}); "
            f"topic: {about}; stance: {how}"
        )
        out.append((label, 0, an.text_len, p, IMPLICIT_PATTERN, reason))
    return out


def _misconduct_stance(an: Analysis, lexicon: Lexicon) -> bool:
    """A stance word of joking, dismissing, endorsing harm, generalising or violence that
    is not negated (cues.yaml ``stance_*``; care and procedure do not count)."""
    _topics, stances = topic_stance(an, lexicon)
    return any(s in MISCONDUCT_STANCES for s in stances)


def _resolve_group_overlaps(groups: list[tuple[Group, int, int]]) -> list[tuple[Group, int, int]]:
    """"trans women" names trans people, not women: keep the longest group match."""
    if len(groups) < 2:
        return groups
    ordered = sorted(groups, key=lambda m: (m[1], -(m[2] - m[1])))
    kept: list[tuple[Group, int, int]] = []
    reach = -1  # furthest end of a kept match (they start at or before the current one)
    for m in ordered:
        if m[2] <= reach:
            continue
        kept.append(m)
        reach = max(reach, m[2])
    return kept


def _professional(an: Analysis) -> bool:
    """A third-person account of an offence ("one glassed the other, ambulance requested"):
    offence vocabulary, and nobody wishing, urging or joking about harm."""
    return (
        an.has("offence_cues")
        and not an.has("wish")
        and not an.has("first_person")
        and not an.has("second_person")
    )


def _past_tense(tok: str) -> bool:
    """A verb that tells what happened ("glassed", "shot") rather than what should."""
    return tok.endswith("ed") or tok in PAST_IRREGULAR


def _has_target(an: Analysis, i: int, j: int, groups: list[tuple[Group, int, int]]) -> bool:
    """Someone on the receiving end of the verb at ``i:j``: a person word or a group just
    after it, or a passive ("should be killed") whose subject is the target."""
    toks = an.toks
    n = len(toks)
    for k in range(j, min(n, j + 4)):
        if an.clause[k] != an.clause[i]:
            break
        if toks[k] in TARGET_WORDS:
            return True
    if any(i < gi <= j + 3 for _g, gi, _gj in groups):
        return True
    if any(i < li <= j + 3 and not e.is_profanity for e, li, _lj in an.lex):
        return True
    return any(toks[k] in PASSIVE_AUX for k in range(max(0, i - 3), i))


def _offending_spans(an: Analysis, groups: list[tuple[Group, int, int]]) -> list[tuple[int, int, str]]:
    """Derogatory evidence as (start, end, kind): cue words (kind = their class), lexicon
    terms ("lexicon"), swearing aimed at someone ("fuck all ...": "directed") and denied
    praise ("never attractive", "not worth": "denied"), except words inside a phrase that
    names or condemns abuse ("hate crime", "hate like ...")."""
    cue_at = an.cue_at
    naming = [s for cls in NAMING_CLASSES for s in cue_at.get(cls, ()) if s[1] - s[0] > 1]
    toks = an.toks
    n = len(toks)
    spans: list[tuple[int, int, str]] = []
    for cls in OFFENDING_CLASSES:
        for a, b in cue_at.get(cls, ()):
            if naming and any(x <= a and b <= y for x, y in naming):
                continue
            spans.append((a, b, cls))
    group_starts = {i for _g, i, _j in groups}
    for e, i, j in an.lex:
        if not e.is_profanity:
            spans.append((i, j, "lexicon"))
        elif e.severity == "high" and j < n and (toks[j] in DIRECTED_AFTER or j in group_starts):
            spans.append((i, j, "directed"))
    harm = an.token_classes("threat", "neg_eval", "hate_verbs", "dehumanising")
    for a, b in an.spans("positive"):
        if not an.negated[a]:
            continue
        after = range(b, min(n, b + 4))
        if any(toks[k] in COMPARATIVES or k in harm for k in after):
            continue  # "not worth any less", "no one deserves to be hit"
        spans.append((a, b, "denied"))
    return spans


def _neutralised(
    an: Analysis, offending: list[tuple[int, int, str]], reported: Callable[[int, int], str | None], contexts: set[str]
) -> bool:
    """True when every derogatory cue of the message is negated or someone else's reported
    words (then a high classifier score alone does not fire)."""
    if not offending:
        return False
    why: set[str] = set()
    for i, j, kind in offending:
        if an.negated[i] and kind != "denied":
            why.add("negation")
            continue
        ctx = reported(i, j)
        if ctx is None:
            return False
        why.add(ctx)
    contexts.update(why)
    return True


__all__ = ["ConductDetector", "IDENTITY_LABELS", "LABELS", "PROFANITY"]
