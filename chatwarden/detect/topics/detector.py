"""The ``topics`` detector: what a message is about, in the content categories of the
instant-messaging guidance (004_fb39a41d194af020.txt, "The content of instant messaging
must not include" and the summary table; personal use: 003_234e258f6f5f1c7a.txt FAQ 10-12).

It complements the rule-based ``policing``, ``identifiers`` and ``markings`` detectors:
rules are precise but cannot anticipate every phrasing, so a small linear classifier
(:mod:`.model`) scores the whole message for each category.  Its per-label thresholds were
chosen on cross-validation of the training set for high precision, because its job is to
add recall without adding false alarms.

Each hit spans the whole text, carries the calibrated probability as its score, the
pattern ``model`` and a reason naming the strongest model features as token classes
(words, word pairs, word starts; digits appear only as the class ``0``).  Hits are emitted
from the model's ``emit_floor`` (0.5) up; the policy decides with its own ``min_score``
(the recommended values are the model's ``thresholds``).  Nothing here logs anything.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.topics.features import PREFIX_LEN, render
from chatwarden.detect.topics.model import TopicModel, load_packaged_model

__all__ = ["LABELS", "TopicDetector"]

# Label -> guidance category (the policy's vocabulary), in the model's column order.
CATEGORIES = {
    "topic.official_sensitive": "official-sensitive",
    "topic.investigation_material": "investigation-material",
    "topic.evidence_intelligence": "evidence-intelligence",
    "topic.operational_decision": "operational-decision",
    "topic.sensitive_personal_data": "sensitive-personal-data",
    "topic.duty_notice": "duty-notice",
    "topic.personal_use": "personal-use",
}
LABELS = frozenset(CATEGORIES)
_TOPIC_WORDS = {label: category.replace("-", " ") for label, category in CATEGORIES.items()}
REASON_FEATURES = 3
# Function words carry weight in the model but explain nothing to a reviewer.
_FUNCTION_WORDS = (
    "a an and are as at be been but by for from had has have he her hers him his i im in is it its "
    "me my of on or our she so that the their them they this to was we were with you your"
)
UNEXPLAINING = frozenset(_FUNCTION_WORDS.split())

_lock = threading.Lock()
_model: TopicModel | None = None


def packaged_model() -> TopicModel:
    """The shipped model, loaded once per process on first use."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = load_packaged_model()
    return _model


class TopicDetector(TextDetector):
    """Whole-message topic labels from the shipped linear classifier."""

    name: ClassVar[str] = "topics"
    version: ClassVar[str] = "1.0.0"
    labels: ClassVar[frozenset[str]] = LABELS

    def __init__(self, model: TopicModel | None = None) -> None:
        self._given = model

    @property
    def model(self) -> TopicModel:
        return self._given if self._given is not None else packaged_model()

    def scan(self, text: str) -> list[Hit]:
        model = self._given or _model or packaged_model()
        found, toks, others = model.above_floor(text)
        if not found:
            return []
        return [Hit(model.labels[k], 0, len(text), round(p, 4), "model", None, (),
                    self.reason(model, text, k, (toks, others)))
                for k, p in found]

    @staticmethod
    def reason(model: TopicModel, text: str, k: int,
               features: tuple[list[bytes], list[bytes | str]] | None = None) -> str:
        label = model.labels[k]
        topic = _TOPIC_WORDS.get(label) or CATEGORIES.get(label, label).replace("-", " ")
        strongest: list[str] = []
        info = _FEATURE_INFO.get
        for name, _weight in model.supporting(text, k, features):
            if len(strongest) == REASON_FEATURES:
                break
            shown, skip, kind, arg = info(name) or _feature_info(name)
            if skip:
                continue
            if kind == "p":
                if strongest and any(s.startswith(arg) for s in strongest):
                    continue  # the word itself is already named
            elif kind == "w" and arg in strongest:
                strongest = [s for s in strongest if s != arg]
            strongest.append(shown)
        if not strongest:
            return f"model: the message as a whole weighs towards {topic}"
        names = ", ".join(f"'{s}'" for s in strongest)
        verb = "weighs" if len(strongest) == 1 else "weigh"
        return f"model: {names} {verb} towards {topic}"


# Feature name -> (as shown, left out of explanations, kind, argument): for a word start
# (``p``) the start itself, for a word (``w``) how its start is shown (a word replaces its
# own start).  Filled on first use; bounded by the model's vocabulary.
_FEATURE_INFO: dict[str, tuple[str, bool, str, str]] = {}


def _feature_info(name: str) -> tuple[str, bool, str, str]:
    kind, body = name[:1], name[2:]
    skip = False
    arg = ""
    if name.startswith("w:"):
        skip = body in UNEXPLAINING
        arg = body[:PREFIX_LEN] + "\u2026"
    elif name.startswith("b:"):
        skip = all(w in UNEXPLAINING for w in body.split(" "))
    elif name.startswith("p:"):
        arg = body
    entry = _FEATURE_INFO[name] = (render(name), skip, kind if name[1:2] == ":" else "", arg)
    return entry
