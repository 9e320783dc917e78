"""The shipped conduct classifiers, stored as gzip-compressed JSON in the package
(``model.json.gz``) and read on first use.  Pure Python; nothing is fetched.

* The main model: logistic regression over the features of
  :func:`chatwarden.detect.conduct.features.extract` (words, bigrams, character n-grams,
  context); it confirms lexicon terms and judges messages about groups.
* The implicit model (:class:`ImplicitModel`): logistic regression over words, bigrams and
  the context, topic and stance features, trained on police-style lines and HateCheck; it
  judges messages with no slur or derogatory cue (contempt for victims, jokes about deaths,
  approval of violence, "jokes" about consent, remarks about colleagues).  Its per-label
  heads name the label, and each label has its own probability threshold, chosen by
  cross-validation of the training lines.
* The gate (:class:`Gate`): a word-set linear score that lets a message the lexicon
  prefilter would skip go on to analysis when it may hold implicit misconduct.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from chatwarden.detect.conduct.features import Scorer, linear_margin
from chatwarden.errors import ConfigError

MODEL_RESOURCE = "model.json.gz"
MODEL_FORMAT = "chatwarden-conduct-linear"
MODEL_FORMAT_VERSION = 2


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _weights(data: Any, source: str, what: str) -> dict[str, float]:
    weights = data.get("weights") if isinstance(data, dict) else None
    if not isinstance(weights, dict):
        raise ConfigError(f"{source}: {what} has no weights")
    try:
        return {str(k): float(v) for k, v in weights.items()}
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {what} has a non-numeric weight") from None


@dataclass
class LinearHead:
    """One linear score over a feature list (a label head of the implicit model)."""

    weights: dict[str, float]
    bias: float

    def margin(self, feats: list[str]) -> float:
        return linear_margin(feats, self.weights, self.bias)

    def to_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "weights": dict(sorted(self.weights.items()))}

    @classmethod
    def from_json(cls, data: Any, source: str, what: str) -> LinearHead:
        return cls(weights=_weights(data, source, what), bias=float(data.get("bias", 0.0)))


@dataclass
class ImplicitModel:
    """The implicit-misconduct classifier: a binary score, a head per label (which label
    a breach is) and a probability threshold per label."""

    weights: dict[str, float]
    bias: float
    thresholds: dict[str, float]
    heads: dict[str, LinearHead]

    _head_vocab: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._head_vocab = frozenset(f for h in self.heads.values() for f in h.weights)

    def margin(self, feats: list[str]) -> float:
        return linear_margin(feats, self.weights, self.bias)

    def label_scores(self, feats: list[str]) -> list[tuple[float, str]]:
        """(head probability, label), best first (ties: label order)."""
        # A feature no head weighs adds 0.0 to every head's sum, which changes no sum
        # (at most the sign of a zero, and sigmoid(-0.0) == sigmoid(0.0)): left out.
        vocab = self._head_vocab
        known = [f for f in feats if f in vocab]
        return sorted(((sigmoid(h.margin(known)), label) for label, h in self.heads.items()), key=lambda x: (-x[0], x[1]))

    @property
    def lowest_threshold(self) -> float:
        return min(self.thresholds.values()) if self.thresholds else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": self.bias,
            "thresholds": dict(sorted(self.thresholds.items())),
            "heads": {label: h.to_json() for label, h in sorted(self.heads.items())},
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> ImplicitModel:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the implicit model is not a mapping")
        thresholds = data.get("thresholds")
        heads = data.get("heads")
        if not isinstance(thresholds, dict) or not isinstance(heads, dict):
            raise ConfigError(f"{source}: the implicit model needs thresholds and heads")
        return cls(
            weights=_weights(data, source, "the implicit model"),
            bias=float(data.get("bias", 0.0)),
            thresholds={str(k): float(v) for k, v in thresholds.items()},
            heads={str(k): LinearHead.from_json(v, source, f"head {k}") for k, v in heads.items()},
        )


@dataclass
class Gate:
    """Lets a message through to analysis when the words it holds (a set: the prefilter's
    view) score at least ``threshold`` (a margin) and there are at least ``min_words``
    of them (a two-word "on my way" holds no remark about anyone)."""

    weights: dict[str, float]
    bias: float
    threshold: float
    min_words: int = 0

    _vocab: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._vocab = frozenset(self.weights)

    def score(self, words: set[str]) -> float:
        weights = self.weights
        # fsum is exact, so the set's (hash-seeded) order never changes the result, and
        # words without a weight (most of them) add nothing: only the known ones are summed
        return math.fsum([self.bias, *[weights[w] for w in self._vocab.intersection(words)]])

    def passes(self, words: set[str]) -> bool:
        if len(words) < self.min_words:
            return False
        # A plain float sum first (fast, but its last bits depend on the set's order); only
        # a sum within rounding distance of the threshold is settled by the exact score.
        rough = sum(map(self.weights.__getitem__, self._vocab.intersection(words)), self.bias)
        if abs(rough - self.threshold) > 1e-9:
            return rough > self.threshold
        return self.score(words) >= self.threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "bias": self.bias,
            "threshold": self.threshold,
            "min_words": self.min_words,
            "weights": dict(sorted(self.weights.items())),
        }

    @classmethod
    def from_json(cls, data: Any, source: str) -> Gate:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: the gate is not a mapping")
        return cls(
            weights=_weights(data, source, "the gate"),
            bias=float(data.get("bias", 0.0)),
            threshold=float(data.get("threshold", 0.0)),
            min_words=int(data.get("min_words", 0)),
        )


@dataclass
class ConductModel:
    weights: dict[str, float]
    bias: float
    threshold: float
    known_words: frozenset[str] = frozenset()
    meta: dict[str, Any] = field(default_factory=dict)
    implicit: ImplicitModel | None = None
    gate: Gate | None = None
    scorer: Scorer = field(init=False)

    def __post_init__(self) -> None:
        self.scorer = Scorer(self.weights, self.bias)

    # -- (de)serialisation ------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "bias": self.bias,
            "threshold": self.threshold,
            "meta": self.meta,
            "known_words": sorted(self.known_words),
        }
        if self.gate is not None:
            out["gate"] = self.gate.to_json()
        if self.implicit is not None:
            out["implicit"] = self.implicit.to_json()
        out["weights"] = dict(sorted(self.weights.items()))
        return out

    def to_bytes(self) -> bytes:
        raw = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
        # mtime=0 and no file name: the same model always gives the same bytes.
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_json(cls, data: Any, source: str) -> ConductModel:
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{source}: not a {MODEL_FORMAT} model file")
        if data.get("format_version") not in (1, MODEL_FORMAT_VERSION):  # 1: no implicit model, no gate
            raise ConfigError(f"{source}: unsupported model format version {data.get('format_version')!r}")
        if not isinstance(data.get("weights"), dict):
            raise ConfigError(f"{source}: model file has no weights")
        return cls(
            weights=_weights(data, source, "the model"),
            bias=float(data.get("bias", 0.0)),
            threshold=float(data.get("threshold", 0.5)),
            known_words=frozenset(str(w) for w in data.get("known_words") or ()),
            meta=dict(data.get("meta") or {}),
            implicit=ImplicitModel.from_json(data["implicit"], source) if data.get("implicit") is not None else None,
            gate=Gate.from_json(data["gate"], source) if data.get("gate") is not None else None,
        )

    @classmethod
    def from_bytes(cls, blob: bytes, source: str) -> ConductModel:
        try:
            data = json.loads(gzip.decompress(blob).decode("utf-8"))
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigError(f"{source}: unreadable model file ({exc.__class__.__name__})") from None
        return cls.from_json(data, source)


def load_packaged_model() -> ConductModel | None:
    """The model shipped in the package, or None when it has not been trained yet."""
    ref = resources.files("chatwarden.detect.conduct").joinpath(MODEL_RESOURCE)
    try:
        blob = ref.read_bytes()
    except (FileNotFoundError, OSError):
        return None
    return ConductModel.from_bytes(blob, MODEL_RESOURCE)
