"""Chain of custody: who held an export, from which device or account, when, and every hand-off.

A :class:`CustodyEntry` is a plain value the store (or a person, through the CLI) hands to
:func:`chatwarden.evidence.package.build_package`; the package keeps them, one JSON object a
line, in ``custody.jsonl``.  Times are always UTC: an entry whose time has no zone is refused,
because a custody record that cannot say *when* is no record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chatwarden.errors import InputError

__all__ = ["CustodyEntry", "custody_jsonl", "normalise_custody", "read_custody_jsonl"]


@dataclass(frozen=True, slots=True)
class CustodyEntry:
    """One step in the life of an export.

    ``at`` is a zone-aware time (kept as UTC); ``actor`` who did it (a name or warrant number,
    kept as text so it survives account deletion); ``action`` a short verb such as
    ``captured``, ``exported``, ``uploaded``, ``handed-over``, ``packaged``; ``detail`` where
    from and to (device, account, system, reference).
    """

    at: datetime
    actor: str
    action: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": _utc(self.at).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "actor": self.actor,
            "action": self.action,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustodyEntry:
        try:
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
            return cls(at=_utc(at), actor=str(data["actor"]), action=str(data["action"]), detail=str(data["detail"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a custody entry ({type(exc).__name__})") from None


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("custody time has no zone")
    return at.astimezone(UTC)


def normalise_custody(entries: Iterable[CustodyEntry]) -> list[CustodyEntry]:
    """Check entries (zone-aware time, non-empty actor and action, no control characters in
    the text fields) and return them with times in UTC, in the order given."""
    out: list[CustodyEntry] = []
    for n, e in enumerate(entries, 1):
        if not isinstance(e, CustodyEntry):
            raise InputError(f"custody entry #{n} is not a CustodyEntry")
        if not isinstance(e.at, datetime) or e.at.tzinfo is None or e.at.utcoffset() is None:
            raise InputError(f"custody entry #{n}: the time has no zone (give UTC)")
        for field_name in ("actor", "action", "detail"):
            value = getattr(e, field_name)
            if not isinstance(value, str):
                raise InputError(f"custody entry #{n}: {field_name} is not text")
            if any(ord(c) < 32 and c not in "\t" for c in value):
                raise InputError(f"custody entry #{n}: {field_name} holds control characters")
        if not e.actor.strip() or not e.action.strip():
            raise InputError(f"custody entry #{n}: actor and action are required")
        out.append(CustodyEntry(e.at.astimezone(UTC), e.actor, e.action, e.detail))
    return out


def custody_jsonl(entries: Sequence[CustodyEntry]) -> bytes:
    """The JSON Lines form: one object a line, with its 1-based sequence number ``seq``."""
    lines = []
    for n, e in enumerate(entries, 1):
        lines.append(json.dumps({"seq": n, **e.to_dict()}, ensure_ascii=False, separators=(", ", ": ")))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def read_custody_jsonl(data: bytes) -> list[CustodyEntry]:
    """Parse ``custody.jsonl`` back into entries (for verification and the store)."""
    out = []
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise InputError("custody record is not JSON", line=n) from None
        if not isinstance(obj, dict):
            raise InputError("custody record is not a JSON object", line=n)
        try:
            out.append(CustodyEntry.from_dict(obj))
        except InputError as exc:
            raise InputError(exc.reason, line=n) from None
    return out
