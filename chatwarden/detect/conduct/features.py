"""Features of the conduct classifier (shared by training and run time).

A message's features are, with multiplicity:

* ``w:<token>`` for each token (``n:<token>`` when the token is inside a negation scope);
* ``c:<gram>`` for each character 3- to 5-gram of each token padded as ``<token>``;
* ``b:<t1> <t2>`` for adjacent tokens of one sentence;
* ``#...`` context features from the lexicon and the context rules (a group word is
  present, a derogatory cue is negated, the message reports someone else's words, ...),
  alone and in conjunction with a group word.

Words that name a group ("women", "Muslims", "disabled people") are replaced by the
placeholder ``<G>`` (``<P>`` for victims, detainees and the public) and give no character
n-grams: a group's name alone can never raise the score, only what is said about it.
Lexicon terms (other than plain swearing) are replaced by ``<L:label>`` likewise, so the
classifier judges the *context* of a term; the term itself is the lexicon's business.
"""

from __future__ import annotations

from itertools import repeat

from chatwarden.detect.conduct.analysis import OFFENDING_CLASSES, Analysis, insult_frame, reclaim_frame
from chatwarden.detect.conduct.lexicon import Lexicon

GROUP_TOKEN = "<G>"
PUBLIC_TOKEN = "<P>"
CHAR_MIN = 3
CHAR_MAX = 5
MAX_TOKEN_CHARS = 24

_CUE_CODES = {
    "hate_verbs": "HV",
    "neg_eval": "NE",
    "dehumanising": "DH",
    "threat": "TH",
    "exclusion": "EX",
    "positive": "PO",
}
_CONTEXT_CODES = {
    "reporting_verbs": "RV",
    "report_nouns": "RN",
    "counter_cues": "CC",
    "offence_cues": "OF",
    "training_cues": "TR",
    "second_person": "2P",
    "first_person": "1P",
}
_GROUP_CONJ = (
    "HV", "NE", "DH", "TH", "EX", "PO", "HVn", "NEn", "DHn", "THn", "POn", "EXn", "PR", "SL", "SLc", "Q", "Qo",
    "RV", "RN", "CC", "2P", "1P", "IF", "RC", "NOCUE", "QM", "OF", "TR",
)
_PUBLIC_CONJ = ("HV", "NE", "DH", "TH", "SLc", "PR", "2P", "OF", "PO", "NEn", "THn")
_SPEECH_CONJ = ("NE", "DH", "TH", "HV", "SL", "SLc", "PR")


def char_grams(tok: str) -> list[str]:
    padded = "<" + tok[:MAX_TOKEN_CHARS] + ">"
    n = len(padded)
    return [padded[a : a + k] for k in range(CHAR_MIN, CHAR_MAX + 1) for a in range(0, n - k + 1)]


def token_views(an: Analysis) -> list[str]:
    """Tokens with lexicon terms and group words replaced by placeholders."""
    toks = list(an.toks)
    for e, i, j in an.lex:
        if e.is_profanity:
            continue
        ph = "<L:" + e.label[8:] + ">"
        for k in range(i, j):
            toks[k] = ph
    for g, i, j in an.groups:
        ph = GROUP_TOKEN if g.protected else PUBLIC_TOKEN
        for k in range(i, j):
            toks[k] = ph
    return toks


def _word_feats(an: Analysis) -> tuple[list[str], list[str], list[str]]:
    """(placeholder view of the tokens, their ``w:``/``n:`` features, the ``b:`` bigram
    features), built once per analysis and shared by the two classifiers (read only)."""
    got = an.word_feats
    if got is None:
        toks = token_views(an)
        negated = an.negated
        uni = [("n:" if neg else "w:") + t for t, neg in zip(toks, negated)]
        sentence = an.sentence
        bi = [
            "b:" + toks[k - 1] + " " + toks[k] for k in range(1, len(toks)) if sentence[k] == sentence[k - 1]
        ]
        got = an.word_feats = (toks, uni, bi)
    return got


def topic_stance(an: Analysis, lexicon: Lexicon) -> tuple[list[str], list[str]]:
    """The topic classes (``topic_*`` in cues.yaml) and stance classes (``stance_*``) a
    message holds, by their short names; a stance whose every word is negated is named with
    a trailing ``-``."""
    topics = [name for cls, name in lexicon.topic_classes if cls in an.cue_at]
    stances: list[str] = []
    negated = an.negated
    for cls, name in lexicon.stance_classes:
        spans = an.cue_at.get(cls)
        if spans:
            stances.append(name if any(not negated[a] for a, _b in spans) else name + "-")
        elif cls in an.marks:
            stances.append(name)
    return topics, stances


# cue class -> (its feature, its feature when negated); context class -> its feature
_CUE_FEATS = {cls: ("#" + code, "#" + code + "n") for cls, code in _CUE_CODES.items()}
_CONTEXT_FEATS = tuple((cls, "#" + code) for cls, code in _CONTEXT_CODES.items())


def context_features(an: Analysis, lexicon: Lexicon) -> list[str]:
    feats: set[str] = set()
    negated = an.negated
    cue_at = an.cue_at
    for cls, pair in _CUE_FEATS.items():
        spans = cue_at.get(cls)
        if spans:
            for a, _b in spans:
                feats.add(pair[1] if negated[a] else pair[0])
    offending = False
    quoted_offending = False
    in_quote = an.in_quote
    for cls in OFFENDING_CLASSES:
        spans = cue_at.get(cls)
        if spans:
            offending = True
            if not quoted_offending and any(in_quote[a] for a, _b in spans):
                quoted_offending = True
    for entry, i, j in an.lex:
        if entry.is_profanity:
            feats.add("#PR")
            continue
        offending = True
        feats.add("#SLc" if entry.needs_context else "#SL")
        if an.in_quote[i]:
            quoted_offending = True
        if insult_frame(an, i, j, lexicon):
            feats.add("#IF")
        if entry.reclaimable and reclaim_frame(an, i, j, lexicon):
            feats.add("#RC")
    if not offending:
        feats.add("#NOCUE")
    if an.quote_spans:
        feats.add("#Q")
    if quoted_offending:
        feats.add("#Qo")
    for cls, feat in _CONTEXT_FEATS:
        if cls in cue_at:
            feats.add(feat)
    has_group = any(g.protected for g, _i, _j in an.groups)
    has_public = any(not g.protected for g, _i, _j in an.groups)
    topics, stances = topic_stance(an, lexicon)
    for t in topics:
        feats.add("#T:" + t)
    for s in stances:
        feats.add("#S:" + s)
        for t in topics:
            feats.add("#TS:" + t + "&" + s)
        if "#CC" in feats or "#TR" in feats:
            feats.add("#S:" + s + "&CT")
    out = sorted(feats)
    if has_group:
        out.append("#G")
        out.extend("#G&" + x for x in _GROUP_CONJ if "#" + x in feats)
    if has_public:
        out.append("#GP")
        out.extend("#GP&" + x for x in _PUBLIC_CONJ if "#" + x in feats)
    if "#RV" in feats or "#RN" in feats:
        out.extend("#SP&" + x for x in _SPEECH_CONJ if "#" + x in feats)
    if "#CC" in feats:
        out.extend("#CC&" + x for x in _SPEECH_CONJ if "#" + x in feats)
    return out


def extract(an: Analysis, lexicon: Lexicon) -> list[str]:
    """All features of one analysed message, with multiplicity (training uses this)."""
    toks = token_views(an)
    negated = an.negated
    feats: list[str] = []
    for k, t in enumerate(toks):
        feats.append(("n:" if negated[k] else "w:") + t)
        if t[0] != "<":
            feats.extend("c:" + g for g in char_grams(t))
    sentence = an.sentence
    for k in range(1, len(toks)):
        if sentence[k] == sentence[k - 1]:
            feats.append("b:" + toks[k - 1] + " " + toks[k])
    feats.extend(context_features(an, lexicon))
    return feats


# Function words and light verbs that carry no judgement on their own: the implicit model
# takes no unigram feature for them (its bigrams keep them: "they all", "needs a"), so that a
# short neutral message ("they work with a lot of ...", "who wants a ...") does not score on
# pronouns, articles and "get"/"want" that are merely more frequent in the breaches it was
# trained on.
_FUNCTION_WORDS = (
    "a an the this that these those it its i me my we us our you your u ur ya he him his she her they them their "
    "is are was were be been being am do does did have has had will would can could should shall may might must "
    "of to in on at for with by from into onto about as and or but so if then than there here what who which "
    "when where how some any all one just up out off over "
    "it's that's what's who's there's here's he's she's they're we're you're i'm i've i'll i'd "
    "get gets got getting go goes going gone gonna want wants wanted wanna let let's lets "
    "make makes made take takes took need needs"
).split()
IMPLICIT_STOP = frozenset("w:" + w for w in _FUNCTION_WORDS)


def implicit_extract(an: Analysis, lexicon: Lexicon, context: list[str] | None = None) -> list[str]:
    """Features of the implicit-misconduct classifier: word unigrams (``w:``/``n:``) and
    bigrams (``b:``) over the placeholder view, and the context, topic and stance features;
    no character n-grams (that model judges what is said, not how a word is spelt)."""
    _toks, uni, bi = _word_feats(an)
    feats = [f for f in uni if f not in IMPLICIT_STOP] + bi
    feats.extend(context if context is not None else context_features(an, lexicon))
    return feats


def linear_margin(feats: list[str], weights: dict[str, float], bias: float) -> float:
    """Bias plus the weights of ``feats`` (with multiplicity), summed left to right from
    the bias (a fixed order: the same float every time)."""
    return sum(map(weights.get, feats, repeat(0.0)), bias)


class Scorer:
    """Sums the weights of a message's features quickly: a token's character n-gram weight
    is computed once and remembered (the sum is the same float whatever the cache holds,
    so scores stay deterministic)."""

    __slots__ = ("weights", "bias", "_char_memo", "_memo_limit")

    def __init__(self, weights: dict[str, float], bias: float, memo_limit: int = 50_000) -> None:
        self.weights = weights
        self.bias = bias
        self._char_memo: dict[str, float] = {}
        self._memo_limit = memo_limit

    def _chars(self, tok: str) -> float:
        v = self._char_memo.get(tok)
        if v is None:
            w = self.weights
            v = 0.0
            for g in char_grams(tok):
                v += w.get("c:" + g, 0.0)
            if len(self._char_memo) >= self._memo_limit:
                self._char_memo.clear()
            self._char_memo[tok] = v
        return v

    def margin(self, an: Analysis, lexicon: Lexicon, context: list[str] | None = None) -> float:
        w = self.weights
        get = w.get
        toks, uni, bi = _word_feats(an)
        memo = self._char_memo
        total = self.bias
        for t, f in zip(toks, uni):
            total += get(f, 0.0)
            if t[0] != "<":
                v = memo.get(t)
                total += v if v is not None else self._chars(t)
        for f in bi:
            total += get(f, 0.0)
        for f in context if context is not None else context_features(an, lexicon):
            total += get(f, 0.0)
        return total


