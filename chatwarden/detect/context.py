"""Findings that need neighbouring messages of the same chat.

Labels (each finding sits on the message that carries the material and lists the other
messages it rests on in ``explanation.related_messages``):

* ``evidence.media_from_public`` - media sent by a participant who is not police staff
  (no rank or role in the display name, or only a phone number) in a chat with an officer,
  scored higher next to words such as "here it is", "I recorded him".  The guidance
  (004_fb39a41d194af020.txt, "Instant messaging: with the public") says such material is
  to be exported with the chat and uploaded to Axon Capture.
* ``evidence.cctv_shared`` - a video (or media of unknown type) next to a mention of
  footage, video, CCTV or body-worn video; an image next to a mention of a still.
* ``custody.image_shared`` - an image (or media of unknown type) next to a custody
  photograph or offender photograph mention (``custody.image``).
* ``personal_data.name_dob`` - a person's name in one message and a date of birth, or a
  postcode or address, in the next message from the same sender.

"Next to" means within ``window_messages`` messages either side and ``window_minutes``
minutes (``lexicons/context.yaml``).  The other detectors' findings come in
``hits_by_message`` (as the engine passes them); without them the detector runs the
policing and names detectors itself and uses simple date-of-birth and postcode cues.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

from chatwarden.detect.base import TEXT_KINDS, Detector
from chatwarden.detect.lexicons import read_text
from chatwarden.detect.text import detection_view
from chatwarden.errors import ConfigError
from chatwarden.model import Explanation, Finding, Message
from chatwarden.yamlstrict import load_mapping, load_strict

__all__ = ["LABELS", "ContextDetector", "ContextData", "is_staff_name", "load_context_data"]

LABELS = frozenset({"evidence.media_from_public", "custody.image_shared", "personal_data.name_dob",
                    "evidence.cctv_shared"})

TOP_KEYS = {"detector", "version", "window_messages", "window_minutes", "staff_words", "media_types",
            "video_types", "image_types", "labels", "cues", "personal_min_score"}
LABEL_ROLES = ("name", "dob", "address", "custody", "personal")
CUE_KEYS = ("evidence", "footage", "still", "dob", "postcode", "address")
MEDIA_KINDS = frozenset({"attachment", "media_omitted", "view_once"})
_COLLAR = re.compile(r"\b\d{2,5}[A-Z]{1,2}\b|\b[A-Z]{2}\d{2,5}\b")
_PHONE_ONLY = re.compile(r"^[~\s]*\+?[\d\s\u00a0\u202f\-().]{6,24}$")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class ContextData:
    window: int
    minutes: timedelta
    staff_words: frozenset[str]
    media_types: frozenset[str]
    video_types: frozenset[str]
    image_types: frozenset[str]
    labels: Mapping[str, frozenset[str]]
    cues: Mapping[str, re.Pattern[str] | None]
    version: str
    personal_min_score: float = 0.79


def load_context_data(text: str, filename: str) -> ContextData:
    data, problems, at = load_mapping(text, filename, TOP_KEYS)
    if data.get("detector") not in (None, ContextDetector.name):
        problems.append(f"{at(data, 'detector')}: file is for another detector")

    def number(key: str, lo: int, hi: int) -> int:
        v = data.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            problems.append(f"{at(data, key)}: {key} must be a whole number from {lo} to {hi}")
            return lo
        return v

    def words(obj: Any, key: str) -> frozenset[str]:
        v = obj.get(key) if isinstance(obj, dict) else None
        if not isinstance(v, list) or not all(isinstance(w, str) and w.strip() for w in v):
            problems.append(f"{at(obj, key)}: {key} must be a list of words")
            return frozenset()
        return frozenset(w.strip().lower() for w in v)

    window = number("window_messages", 1, 20)
    minutes = number("window_minutes", 1, 24 * 60)
    staff = words(data, "staff_words")
    media, video, image = words(data, "media_types"), words(data, "video_types"), words(data, "image_types")
    labels_raw = data.get("labels")
    labels: dict[str, frozenset[str]] = {}
    if not isinstance(labels_raw, dict):
        problems.append(f"{at(data, 'labels')}: labels must be a mapping")
    else:
        for key in labels_raw:
            if key not in LABEL_ROLES:
                problems.append(f"{at(labels_raw, key)}: unknown key {key!r}")
        for role in LABEL_ROLES:
            labels[role] = words(labels_raw, role)
    cues_raw = data.get("cues")
    cues: dict[str, re.Pattern[str] | None] = {}
    if not isinstance(cues_raw, dict):
        problems.append(f"{at(data, 'cues')}: cues must be a mapping")
    else:
        for key in cues_raw:
            if key not in CUE_KEYS:
                problems.append(f"{at(cues_raw, key)}: unknown key {key!r}")
        for key in CUE_KEYS:
            items = cues_raw.get(key)
            if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
                problems.append(f"{at(cues_raw, key)}: {key} must be a list of patterns")
                cues[key] = None
                continue
            ok = True
            for p in items:
                try:
                    re.compile(p)
                except re.error as exc:
                    problems.append(f"{at(cues_raw, key)}: bad regular expression ({exc.msg} at position {exc.pos})")
                    ok = False
            cues[key] = re.compile("|".join(f"(?:{p})" for p in items), re.MULTILINE) if items and ok else None
    personal_min = data.get("personal_min_score", 0.79)
    if isinstance(personal_min, bool) or not isinstance(personal_min, (int, float)) or not 0 <= personal_min <= 1:
        problems.append(f"{at(data, 'personal_min_score')}: personal_min_score must be a number from 0 to 1")
        personal_min = 0.79
    if problems:
        raise ConfigError(f"{filename}: {len(problems)} problem(s)", problems)
    return ContextData(window, timedelta(minutes=minutes), staff, media, video, image, labels, cues,
                       str(data.get("version", "")), float(personal_min))


@lru_cache(maxsize=1)
def _data() -> ContextData:
    text, name = read_text("context.yaml")
    return load_context_data(text, name)


@lru_cache(maxsize=1)
def _roles() -> frozenset[str]:
    """Ranks and roles that make a display name staff (shared with the governance detector)."""
    data = load_strict(str(resources.files("chatwarden.detect") / "data" / "roles.yaml"))
    return frozenset(w.lower() for key in ("ranks", "roles") for w in data.get(key, ()))


def is_staff_name(name: str | None, extra_words: frozenset[str] = frozenset()) -> bool:
    """Whether a display name shows a rank, role, collar number or police word."""
    if not name or _PHONE_ONLY.match(name):
        return False
    if _COLLAR.search(name):
        return True
    roles = _roles()
    return any(w.lower() in roles or w.lower() in extra_words for w in _WORD.findall(name))


class ContextDetector(Detector):
    """Cross-message findings (media from the public, footage and custody images shared,
    a name and date of birth split across messages)."""

    name: ClassVar[str] = "context"
    version: ClassVar[str] = "1.1.0"
    labels: ClassVar[frozenset[str]] = LABELS

    def __init__(self) -> None:
        self.data = _data()

    # -- helpers ---------------------------------------------------------------------
    def _media_type(self, m: Message) -> str | None:
        """The media type a message carries, or None."""
        if m.attachments:
            t = m.attachments[0].media_type or "other"
        elif m.kind in MEDIA_KINDS:
            t = "other"
        else:
            return None
        return t if t in self.data.media_types else None

    def _staff(self, sender: str | None, cache: dict[str | None, bool]) -> bool:
        if sender not in cache:
            cache[sender] = is_staff_name(sender, self.data.staff_words)
        return cache[sender]

    @staticmethod
    def _text(m: Message) -> str:
        """The lower-cased words of a message; for an attachment only its caption (file
        names such as ``VID-2024...mp4`` are not words anyone wrote)."""
        if m.kind not in TEXT_KINDS or not m.text:
            return ""
        text = m.text
        for a in m.attachments:
            if a.name:
                text = text.replace(a.name, " ")
        view = text if text.isascii() else detection_view(text)
        return view.lower()

    def _fallback_labels(self, messages: Sequence[Message]) -> dict[int, set[str]]:
        from chatwarden.detect.names import NameDetector
        from chatwarden.detect.policing import PolicingDetector

        policing, names = PolicingDetector(), NameDetector()
        d = self.data
        out: dict[int, set[str]] = {}
        for m in messages:
            if m.kind not in TEXT_KINDS or not m.text:
                continue
            labels = {h.label for h in policing.scan(m.text) if h.label in d.labels["custody"]}
            labels |= {h.label for h in names.scan(m.text) if h.label in d.labels["name"]}
            low = self._text(m)
            for cue, role in (("dob", "dob"), ("postcode", "address"), ("address", "address")):
                pattern = d.cues.get(cue)
                if pattern is not None and d.labels[role] and pattern.search(low):
                    labels.add(min(d.labels[role]))
            if labels:
                out[m.index] = labels
        return out

    def _finding(self, label: str, m: Message, score: float, reason: str, related: list[int], pattern: str,
                 context: tuple[str, ...] = ()) -> Finding:
        rel = tuple(sorted(set(related) - {m.index}))
        return Finding(
            detector=self.name, label=label, message_index=m.index, span=None, score=score,
            explanation=Explanation(self.name, self.version, pattern=pattern, context=context,
                                    related_messages=rel, score=score, reason=reason),
        )

    # -- detection -------------------------------------------------------------------
    def detect(self, messages: Sequence[Message],
               hits_by_message: Mapping[int, Sequence[Finding]] | None = None) -> list[Finding]:
        msgs = list(messages)
        if not msgs:
            return []
        d = self.data
        personal_at: set[int | None] = set()
        if hits_by_message is None:
            labels_at = self._fallback_labels(msgs)
        else:
            labels_at = {i: {f.label for f in fs} for i, fs in hits_by_message.items() if fs}
            personal = d.labels["personal"]
            personal_at = {i for i, fs in hits_by_message.items()
                           if any(f.label in personal and f.score >= d.personal_min_score for f in fs)}
        staff_cache: dict[str | None, bool] = {}
        police_present = any(self._staff(m.sender, staff_cache) for m in msgs if m.sender)
        texts: dict[int, str] = {}

        def text(p: int) -> str:
            if p not in texts:
                texts[p] = self._text(msgs[p])
            return texts[p]

        def cue(name: str, p: int) -> bool:
            pattern = d.cues.get(name)
            return pattern is not None and bool(text(p)) and pattern.search(text(p)) is not None

        out: list[Finding] = []
        n = len(msgs)
        for p, m in enumerate(msgs):
            media = self._media_type(m)
            if media is None:
                continue
            near = [q for q in range(max(0, p - d.window), min(n, p + d.window + 1))
                    if abs(msgs[q].timestamp - m.timestamp) <= d.minutes and not msgs[q].is_system]
            # media sent by a member of the public
            if m.sender and not self._staff(m.sender, staff_cache):
                cue_at = [q for q in near if msgs[q].sender == m.sender and cue("evidence", q)]
                # Without words presenting it as evidence, media in the middle of personal
                # talk (a family photo from "Mum") is personal use, reported as that.
                personal_talk = not cue_at and any(msgs[q].index in personal_at for q in near)
                if (police_present or cue_at) and not personal_talk:
                    if police_present and cue_at:
                        score, why = 0.9, "with words presenting it as evidence, in a chat with police staff"
                    elif police_present:
                        score, why = 0.75, "in a chat with police staff"
                        if media in ("audio", "voice"):
                            score = 0.6
                    else:
                        score, why = 0.6, "with words presenting it as evidence (no participant shows a rank)"
                    out.append(self._finding(
                        "evidence.media_from_public", m, score,
                        f"{media} media sent by a participant without a rank or role {why}; export the chat "
                        "and upload it to Axon Capture", [msgs[q].index for q in cue_at], "context.media_from_public",
                        ("evidence-words",) if cue_at else ()))
            # footage shared
            foot_at: list[int] = []
            if media in d.video_types:
                foot_at = [q for q in near if cue("footage", q)]
                score = 0.85 if media == "video" else 0.75
            elif media in d.image_types:
                foot_at = [q for q in near if cue("still", q)]
                score = 0.7
            if foot_at:
                out.append(self._finding(
                    "evidence.cctv_shared", m, score,
                    f"{media} media next to a mention of footage, CCTV or body-worn video",
                    [msgs[q].index for q in foot_at], "context.cctv_shared"))
            # custody or offender photograph shared
            if media in d.image_types:
                cust_at = [q for q in near if labels_at.get(msgs[q].index, set()) & d.labels["custody"]]
                if cust_at:
                    out.append(self._finding(
                        "custody.image_shared", m, 0.85 if media == "image" else 0.75,
                        f"{media} media next to a mention of a custody or offender photograph",
                        [msgs[q].index for q in cust_at], "context.custody_image_shared"))
        out.extend(self._name_dob(msgs, labels_at))
        out.sort(key=lambda f: (f.message_index if f.message_index is not None else -1, f.label))
        return out

    def _name_dob(self, msgs: list[Message], labels_at: Mapping[int, set[str]]) -> list[Finding]:
        d = self.data
        out: list[Finding] = []
        people = [m for m in msgs if m.sender is not None and not m.is_system]
        for a, b in zip(people, people[1:]):
            if a.sender != b.sender or b.timestamp - a.timestamp > d.minutes:
                continue
            la, lb = labels_at.get(a.index, set()), labels_at.get(b.index, set())
            if not (la or lb):
                continue
            for other, what in (("dob", "a date of birth"), ("address", "an address or postcode")):
                kinds = d.labels[other]
                if (la & d.labels["name"] and lb & kinds and not la & kinds) or (
                        lb & d.labels["name"] and la & kinds and not lb & kinds):
                    out.append(self._finding(
                        "personal_data.name_dob", b, 0.8 if other == "dob" else 0.7,
                        f"a person's name and {what} sent in consecutive messages by the same sender",
                        [a.index, b.index], f"context.name_{other}"))
                    break
        return out
