"""Chat-level governance findings an export can prove (004_fb39a41d194af020.txt, Set Up
and Configuration): disappearing messages not on at 90 days, display names that are not a
full name with rank or role, and unknown contacts (a participant shown only as a phone
number) added to or posting in a group.

Labels (``chat.*``; each finding names its subject in ``attributes``):

* ``chat.disappearing_off`` at the event that turned them off;
* ``chat.disappearing_timer`` at an event setting a timer other than 90 days;
* ``chat.disappearing_never_on`` (chat level) when the export shows no such event and holds
  messages more than 90 days apart, which disappearing messages at 90 days would have
  removed; with a shorter span the setting cannot be judged from the export (score 0.3);
* ``chat.display_name`` for a participant whose display name breaks the naming rule;
* ``chat.unknown_contact`` for a number-only participant in a group, at their first
  appearance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import lru_cache
from importlib import resources

from chatwarden.detect.base import Detector
from chatwarden.model import Chat, Explanation, Finding, Message
from chatwarden.yamlstrict import load_strict

REQUIRED_DAYS = 90.0
PHONE_ONLY = re.compile(r"^[~\s]*\+?[\d\s\u00a0\u202f\-().]{6,24}$")
NAME_WORD = re.compile(r"^[A-Z][A-Za-z'\-]+$|^[A-Z][A-Z'\-]+$")


@lru_cache(maxsize=1)
def _roles() -> tuple[frozenset[str], frozenset[str]]:
    data = load_strict(str(resources.files("chatwarden.detect") / "data" / "roles.yaml"))
    return frozenset(w.lower() for w in data["ranks"]), frozenset(w.lower() for w in data["roles"])


def _has_emoji(text: str) -> bool:
    return any(unicodedata.category(c) in ("So", "Sk", "Cs") or ord(c) >= 0x1F000 for c in text)


@lru_cache(maxsize=8192)  # a stream re-judges a chat's roster whenever someone new speaks
def display_name_problem(name: str) -> str | None:
    """Why ``name`` is not "full name and rank or band/role", or None when it is."""
    if _has_emoji(name):
        return "contains emoji or symbols"
    ranks, roles = _roles()
    words = [w.strip(".,()[]") for w in name.replace("/", " ").split()]
    lowered = [w.lower() for w in words]
    has_rank = any(w in ranks for w in lowered)
    has_role = any(w in roles for w in lowered)
    names = [w for w, lw in zip(words, lowered) if lw not in ranks and lw not in roles and NAME_WORD.match(w)]
    if not (has_rank or has_role):
        return "no rank, band or role"
    if len(names) < 2:
        return "not a full name (first name and surname)"
    return None


class GovernanceDetector(Detector):
    name = "governance"
    version = "1.0.0"
    labels = frozenset({
        "chat.disappearing_off", "chat.disappearing_timer", "chat.disappearing_never_on",
        "chat.display_name", "chat.unknown_contact",
    })

    def detect(self, messages: Sequence[Message], hits_by_message: Mapping[int, Sequence[Finding]] | None = None,
               chat: Chat | None = None) -> list[Finding]:
        out: list[Finding] = []
        out.extend(self._disappearing(messages))
        is_group = chat.is_group if chat is not None else len({m.sender for m in messages if m.sender}) > 2
        out.extend(self._display_names(messages, is_group))
        if is_group:
            out.extend(self._unknown_contacts(messages))
        return out

    def _finding(self, label: str, index: int | None, score: float, reason: str, subject: str = "",
                 related: tuple[int, ...] = ()) -> Finding:
        return Finding(
            detector=self.name, label=label, message_index=index, span=None, score=score,
            explanation=Explanation(self.name, self.version, pattern=label, related_messages=related,
                                    score=score, reason=reason),
            attributes=(("subject", subject),) if subject else (),
        )

    def _disappearing(self, messages: Sequence[Message]) -> list[Finding]:
        out = []
        events = [m for m in messages if m.kind in ("system:disappearing_on", "system:disappearing_off")]
        for m in events:
            days = m.event.timer_days if m.event else None
            if m.kind == "system:disappearing_off":
                out.append(self._finding("chat.disappearing_off", m.index, 0.95,
                                         "disappearing messages turned off; the guidance requires them on at 90 days"))
            elif days is not None and abs(days - REQUIRED_DAYS) > 1e-6:
                shown = "24 hours" if abs(days - 1.0) < 1e-6 else f"{days:g} days"
                out.append(self._finding("chat.disappearing_timer", m.index, 0.9,
                                         f"disappearing-message timer set to {shown}, not 90 days"))
        if not events and messages:
            stamps = [m.timestamp for m in messages]
            span = max(stamps) - min(stamps)
            if span > timedelta(days=REQUIRED_DAYS + 1):
                out.append(self._finding("chat.disappearing_never_on", None, 0.9,
                                         f"messages {span.days} days apart survive and no disappearing-message event "
                                         "is in the export: the 90-day timer was not on"))
            else:
                out.append(self._finding("chat.disappearing_never_on", None, 0.3,
                                         "no disappearing-message event in the export; the setting may predate it"))
        return out

    def _display_names(self, messages: Sequence[Message], is_group: bool) -> list[Finding]:
        first: dict[str, int] = {}
        for m in messages:
            if m.sender is not None and m.sender not in first:
                first[m.sender] = m.index
        ranks, roles = _roles()
        police = [s for s in first if any(w.lower().strip(".") in ranks for w in s.split())]
        police_group = is_group and len(police) * 2 >= len(first)
        out = []
        for sender, index in first.items():
            if PHONE_ONLY.match(sender):
                continue  # a number, not a name: the unknown-contact check covers it
            looks_police = sender in police
            if not (police_group or looks_police):
                continue  # a member of the public or a partner: the naming rule is for staff
            problem = display_name_problem(sender.lstrip("~ \u202f"))
            if problem:
                out.append(self._finding("chat.display_name", index, 0.8 if police_group else 0.7,
                                         f"display name {problem}; it must be the full name and rank or band/role",
                                         subject=sender))
        return out

    def _unknown_contacts(self, messages: Sequence[Message]) -> list[Finding]:
        seen: dict[str, int] = {}
        for m in messages:
            names = []
            if m.sender is not None:
                names.append(m.sender)
            elif m.event is not None and m.kind in ("system:participant_added", "system:participant_joined_via_link"):
                names.extend(n.strip() for n in re.split(r", | and ", m.event.subject or "") if n.strip())
            for n in names:
                if PHONE_ONLY.match(n) and n not in seen:
                    seen[n] = m.index
        return [
            self._finding("chat.unknown_contact", index, 0.85,
                          "a participant shown only as a phone number (not a known contact) is in the group",
                          subject=number)
            for number, index in seen.items()
        ]
