"""The shipped topic classifier: one linear model per label over the features of
:mod:`chatwarden.detect.topics.features`, stored as gzip-compressed JSON in the package
(``model.json.gz``, written by ``training/train_topics.py``) and read on first use with the
standard library only.  Nothing is fetched.

File format (``chatwarden-topics-linear``, version 1)::

    {"format": ..., "format_version": 1,
     "labels": ["topic.official_sensitive", ...],      # fixed order = weight columns
     "scale": 10000,                                   # weights are integers / scale
     "bias": [..], "platt": [[a, b], ..],              # p = sigmoid(a * (w.x + bias) + b)
     "thresholds": {label: t}, "emit_floor": 0.5,
     "features": {"w:statement": [int, ...], ...},     # one integer per label
     "meta": {...}}                                     # training provenance and metrics

Scoring packs each feature's integer weights into one Python integer (32 bits a label,
two's complement), so that summing the weights of all features of a message is a single
C-level ``sum`` over dictionary look-ups; the label scores are unpacked afterwards.  The
sums are exact integers, so scores do not depend on the order of the features.

Most messages reach no label.  :meth:`TopicModel.above_floor` proves that from the packed sum
alone: each label's margin reaches its cut exactly from one integer weight sum up (found once,
by bisection over the same float expression), so one addition and one mask read off every
label at once, and only the labels past their cut are unpacked and calibrated.  Word starts
are looked up in the form :func:`~chatwarden.detect.topics.features.lookup_parts` gives
(aliases of the stored keys); the numbers are those of the plain computation, bit for bit.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any

from chatwarden.detect.topics.features import MAX_CHARS, lookup_parts, parts, run_aliases, runtime_key
from chatwarden.errors import ConfigError

__all__ = ["MODEL_FORMAT", "MODEL_RESOURCE", "TopicModel", "load_packaged_model", "sigmoid"]

MODEL_RESOURCE = "model.json.gz"
MODEL_FORMAT = "chatwarden-topics-linear"
MODEL_FORMAT_VERSION = 1
FIELD_BITS = 32
_MASK = (1 << FIELD_BITS) - 1
_HALF = 1 << (FIELD_BITS - 1)
_FULL = 1 << FIELD_BITS
# A text of MAX_CHARS characters has at most about 5,200 features; with |weight| <= 20 and
# scale 10,000 every label's sum stays inside a signed 32-bit field.
MAX_ABS_WEIGHT = 20.0
_NAME, _WEIGHT = itemgetter(0), itemgetter(1)
# The gate of above_floor handles label cuts within this many weight units of zero.
_GATE_SPAN = 1 << 24


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _reaches(s: int, scale: int, bias: float, cut: float) -> bool:
    """Whether the weight sum ``s`` gives a margin (computed as :meth:`TopicModel._margins`
    does) that reaches ``cut``."""
    return s / scale + bias >= cut


def pack(values: Sequence[int]) -> int:
    """One integer holding ``values`` (signed, ``FIELD_BITS`` each, first in the low bits)."""
    total = 0
    for k, v in enumerate(values):
        total += v << (FIELD_BITS * k)
    return total


def unpack(total: int, n: int) -> list[int]:
    out = []
    for _ in range(n):
        v = total & _MASK
        if v >= _HALF:
            v -= _FULL
        out.append(v)
        total = (total - v) >> FIELD_BITS
    return out


@dataclass
class TopicModel:
    labels: tuple[str, ...]
    scale: int
    bias: tuple[float, ...]
    platt: tuple[tuple[float, float], ...]
    thresholds: dict[str, float]
    emit_floor: float
    weights: dict[str, tuple[int, ...]]
    meta: dict[str, Any] = field(default_factory=dict)
    _packed: dict[Any, int] = field(init=False, repr=False)
    _explain: dict[Any, tuple[str, tuple[int, ...]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.labels)
        if not n or len(self.bias) != n or len(self.platt) != n:
            raise ConfigError("topic model: labels, bias and platt must have the same length")
        if any(a <= 0 for a, _ in self.platt):
            raise ConfigError("topic model: calibration slopes must be positive")
        limit = int(MAX_ABS_WEIGHT * self.scale)
        packed: dict[Any, int] = {}
        explain: dict[Any, tuple[str, tuple[int, ...]]] = {}
        for name, ws in self.weights.items():
            if len(ws) != n or any(abs(w) > limit for w in ws):
                raise ConfigError("topic model: a feature has a bad weight vector")
            if any(ws):
                key = runtime_key(name)
                packed[key] = pack(ws)
                explain[key] = (name, ws)
        # The keys of parts(), then the other form of each word start (lookup_parts), which
        # takes the place of any key of the same value (a stored word with a space in it,
        # which parts() can never give).
        self._base = [(key, entry) for key, entry in explain.items()]
        self._aliased = [(key, aliases) for key, (name, _ws) in self._base if (aliases := run_aliases(name))]
        for key, aliases in self._aliased:
            for alias in aliases:
                packed[alias] = packed[key]
                explain[alias] = explain[key]
        self._packed = packed
        self._explain = explain
        self._positive: dict[int, dict[Any, tuple[str, float]]] = {}  # per label, built on first use
        # Adding 2**31 to every field once makes all fields non-negative, so the label sums
        # can be read back with one int.to_bytes and one struct.unpack.
        self._offset = pack([_HALF] * n)
        self._unpack = struct.Struct(f"<{n}I").unpack
        self._nbytes = 4 * n
        # The margin from which a label's calibrated probability reaches emit_floor.
        floor_logit = math.log(self.emit_floor / (1.0 - self.emit_floor)) if 0 < self.emit_floor < 1 else -math.inf
        self._cut = tuple((floor_logit - b) / a for a, b in self.platt)
        self._gate_starts = self._gate(limit)
        self._gate_offset = None if self._gate_starts is None else pack([_HALF - t for t in self._gate_starts])
        self._gate_mask = pack([_HALF] * n)

    def _gate(self, limit: int) -> tuple[int, ...] | None:
        """Per label, an integer ``t`` such that every weight sum ``s`` whose margin reaches
        the label's cut has ``s >= t``; ``None`` where no such gate can be guaranteed (every
        text is then scored in full by :meth:`_calibrated`).

        A label's margin is ``s / scale + bias`` for the integer sum ``s`` of its field, which
        does not decrease as ``s`` grows (both float steps are correctly rounded), so the
        margin reaches the cut exactly from one integer up, found here by bisection (or
        ``_GATE_SPAN`` where that integer lies beyond it: still a lower bound).  Adding
        ``2**31 - t`` to the field (``_gate_offset``) makes its top bit say ``s >= t``, as
        long as no field leaves ``[0, 2**32)``: a text has fewer than ``2 * MAX_CHARS``
        features, each at most ``limit`` in absolute value, and ``|t| <= _GATE_SPAN``."""
        if 2 * MAX_CHARS * limit + _GATE_SPAN >= _HALF:
            return None
        starts = []
        for cut, bias in zip(self._cut, self.bias):
            if not _reaches(_GATE_SPAN, self.scale, bias, cut):
                starts.append(_GATE_SPAN)
                continue
            if _reaches(-_GATE_SPAN, self.scale, bias, cut):
                return None  # (nearly) every text would be scored in full anyway
            lo, hi = -_GATE_SPAN, _GATE_SPAN  # _reaches(lo) is false, _reaches(hi) true
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _reaches(mid, self.scale, bias, cut):
                    hi = mid
                else:
                    lo = mid
            starts.append(hi)
        return tuple(starts)

    # -- scoring ------------------------------------------------------------------
    def _margins(self, toks: list[bytes], others: list[bytes | str]) -> list[float]:
        get = self._packed.get
        total = sum(filter(None, map(get, chain(toks, pairwise(toks), others)))) + self._offset
        fields = self._unpack(total.to_bytes(self._nbytes, "little"))
        scale = self.scale
        return [(v - _HALF) / scale + b for v, b in zip(fields, self.bias)]

    def margins(self, text: str) -> list[float]:
        """The raw linear score (w.x + bias) of every label, in label order."""
        return self._margins(*parts(text))

    def probabilities(self, text: str) -> list[float]:
        """Calibrated probabilities, in label order."""
        return [sigmoid(a * m + b) for m, (a, b) in zip(self.margins(text), self.platt)]

    def above_floor(self, text: str) -> tuple[list[tuple[int, float]], list[bytes], list[bytes | str]]:
        """The labels (index, calibrated probability) that reach ``emit_floor``, with the
        text's features for :meth:`contributions`.  Only those labels are calibrated."""
        toks, others = lookup_parts(text)
        get = self._packed.get
        total = sum(filter(None, map(get, chain(toks, pairwise(toks), others))))
        gate = self._gate_offset
        if gate is None:
            return self._calibrated(total), toks, others
        total += gate
        if not total & self._gate_mask:
            return [], toks, others  # no margin reaches its cut: the common case, proved exactly
        # Each field is now s + 2**31 - start: from 2**31 up, the label's margin reaches its cut.
        found = []
        scale = self.scale
        for k, v in enumerate(self._unpack(total.to_bytes(self._nbytes, "little"))):
            if v >= _HALF:
                m = (v - _HALF + self._gate_starts[k]) / scale + self.bias[k]  # as _margins computes it
                if m >= self._cut[k]:
                    a, b = self.platt[k]
                    p = sigmoid(a * m + b)
                    if p >= self.emit_floor:
                        found.append((k, p))
        return found, toks, others

    def _calibrated(self, total: int) -> list[tuple[int, float]]:
        """The labels that reach ``emit_floor`` for the packed weight sum ``total``."""
        fields = self._unpack((total + self._offset).to_bytes(self._nbytes, "little"))
        scale = self.scale
        margins = [(v - _HALF) / scale + b for v, b in zip(fields, self.bias)]
        found = []
        for k, (m, cut) in enumerate(zip(margins, self._cut)):
            if m >= cut:
                a, b = self.platt[k]
                p = sigmoid(a * m + b)
                if p >= self.emit_floor:
                    found.append((k, p))
        return found

    def contributions(self, text: str, label_index: int, features: tuple[list[bytes], list[bytes | str]] | None = None,
                      ) -> list[tuple[str, float]]:
        """The features of ``text`` known to the model with their summed weight towards
        one label, strongest first (for explanations)."""
        toks, others = features if features is not None else parts(text)
        explain = self._explain.get
        acc: dict[str, float] = {}
        for key in chain(toks, pairwise(toks), others):
            entry = explain(key)
            if entry is not None:
                name, ws = entry
                acc[name] = acc.get(name, 0.0) + ws[label_index] / self.scale
        return sorted(((n, w) for n, w in acc.items() if w), key=lambda kv: (-kv[1], kv[0]))

    def supporting(self, text: str, label_index: int, features: tuple[list[bytes], list[bytes | str]] | None = None,
                   ) -> list[tuple[str, float]]:
        """The part of :meth:`contributions` that weighs *towards* the label (summed weight
        above zero), in the same order and with the same values: what an explanation
        names.  Only the features with a positive weight for the label are looked at."""
        toks, others = features if features is not None else parts(text)
        positive = self._positive.get(label_index)
        if positive is None:
            # As {key: ... for key, (name, ws) in self._explain.items() if ws[label_index] > 0},
            # without walking every alias.
            explain = self._explain
            positive = {key: (name, ws[label_index] / self.scale) for key, (name, ws) in self._base
                        if ws[label_index] > 0 and explain[key][0] == name}
            for key, aliases in self._aliased:
                entry = positive.get(key)
                for alias in aliases:
                    if entry is not None:
                        positive[alias] = entry
                    else:
                        positive.pop(alias, None)
            self._positive[label_index] = positive
        found = list(filter(None, map(positive.get, chain(toks, pairwise(toks), others))))
        acc = dict(found)
        if len(acc) != len(found):  # a feature occurs more than once: add up, in text order
            acc = {}
            for name, w in found:
                acc[name] = acc.get(name, 0.0) + w
        # By name, then (stably) by weight, strongest first: the order (-weight, name).
        out = sorted(acc.items(), key=_NAME)
        out.sort(key=_WEIGHT, reverse=True)
        return out

    # -- (de)serialisation --------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "labels": list(self.labels),
            "scale": self.scale,
            "bias": list(self.bias),
            "platt": [list(p) for p in self.platt],
            "thresholds": dict(self.thresholds),
            "emit_floor": self.emit_floor,
            "meta": self.meta,
            "features": {k: list(v) for k, v in sorted(self.weights.items())},
        }

    def to_bytes(self) -> bytes:
        raw = json.dumps(self.to_json(), ensure_ascii=True, separators=(",", ":")).encode("ascii")
        # mtime=0 and no file name: the same model always gives the same bytes.
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_json(cls, data: Any, source: str) -> TopicModel:
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{source}: not a {MODEL_FORMAT} model file")
        if data.get("format_version") != MODEL_FORMAT_VERSION:
            raise ConfigError(f"{source}: unsupported model format version {data.get('format_version')!r}")
        try:
            features = data["features"]
            if not isinstance(features, dict):
                raise TypeError
            return cls(
                labels=tuple(str(x) for x in data["labels"]),
                scale=int(data["scale"]),
                bias=tuple(float(x) for x in data["bias"]),
                platt=tuple((float(a), float(b)) for a, b in data["platt"]),
                thresholds={str(k): float(v) for k, v in data["thresholds"].items()},
                emit_floor=float(data["emit_floor"]),
                weights={str(k): tuple(int(w) for w in v) for k, v in features.items()},
                meta=dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: malformed model file ({exc.__class__.__name__})") from None

    @classmethod
    def from_bytes(cls, blob: bytes, source: str) -> TopicModel:
        try:
            data = json.loads(gzip.decompress(blob).decode("ascii"))
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigError(f"{source}: unreadable model file ({exc.__class__.__name__})") from None
        return cls.from_json(data, source)


def load_packaged_model() -> TopicModel:
    """The model shipped in the package (``ConfigError`` when it is missing or broken)."""
    ref = resources.files("chatwarden.detect.topics").joinpath(MODEL_RESOURCE)
    try:
        blob = ref.read_bytes()
    except OSError:
        raise ConfigError(f"chatwarden/detect/topics/{MODEL_RESOURCE}: model file missing") from None
    return TopicModel.from_bytes(blob, f"chatwarden/detect/topics/{MODEL_RESOURCE}")
