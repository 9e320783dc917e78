"""The shipped conduct classifier: a logistic-regression model over the features of
:mod:`chatwarden.detect.conduct.features`, stored as gzip-compressed JSON in the package
(``model.json.gz``) and read on first use.  Pure Python; nothing is fetched.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from chatwarden.detect.conduct.features import Scorer
from chatwarden.errors import ConfigError

MODEL_RESOURCE = "model.json.gz"
MODEL_FORMAT = "chatwarden-conduct-linear"
MODEL_FORMAT_VERSION = 1


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass
class ConductModel:
    weights: dict[str, float]
    bias: float
    threshold: float
    known_words: frozenset[str] = frozenset()
    meta: dict[str, Any] = field(default_factory=dict)
    scorer: Scorer = field(init=False)

    def __post_init__(self) -> None:
        self.scorer = Scorer(self.weights, self.bias)

    # -- (de)serialisation ------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "bias": self.bias,
            "threshold": self.threshold,
            "meta": self.meta,
            "known_words": sorted(self.known_words),
            "weights": dict(sorted(self.weights.items())),
        }

    def to_bytes(self) -> bytes:
        raw = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
        # mtime=0 and no file name: the same model always gives the same bytes.
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_json(cls, data: Any, source: str) -> ConductModel:
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{source}: not a {MODEL_FORMAT} model file")
        if data.get("format_version") != MODEL_FORMAT_VERSION:
            raise ConfigError(f"{source}: unsupported model format version {data.get('format_version')!r}")
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise ConfigError(f"{source}: model file has no weights")
        return cls(
            weights={str(k): float(v) for k, v in weights.items()},
            bias=float(data.get("bias", 0.0)),
            threshold=float(data.get("threshold", 0.5)),
            known_words=frozenset(str(w) for w in data.get("known_words") or ()),
            meta=dict(data.get("meta") or {}),
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
