"""Synthetic envelopes for tests, benchmarks and trying the monitor out.  Every name,
number and text is invented; some texts carry what the detectors look for (markings,
identifiers, operational detail) so findings are produced, most do not."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from chatwarden.stream.envelope import VERSION

SENDERS = (
    "PC Sam OKAFOR", "DS Jo BLOGGS", "Sgt Dan PRICE", "PCSO Amy REID", "Insp Lee CHAN", "PC Priya SHAH",
    "DC Tom WEBB", "Kev", "+44 7700 900123", "Sarah (Admin)",
)
TEXTS = (
    "Morning all, briefing at 0700 in the yard",
    "Can you give me a ring when you're free?",
    "On my way back to the nick now",
    "Cheers, see you at the next shift",
    "Anyone fancy a brew?",
    "Training day moved to Thursday, same room",
    "OFFICIAL-SENSITIVE: do not forward this outside the team",
    "PNC shows him wanted on warrant, DOB 12/03/1988, lives at 41 Acacia Road SE15 4QT",
    "His number is 07700 900456 if you need to call him",
    "NI number QQ 12 34 56 C on the form, can you check it",
    "Misper risk assessed as high, I'm requesting NPAS now",
    "Here's the custody image for the bloke from the Tesco job",
    "Vehicle index AB12 CDE seen heading north on the A2",
    "SECRET - source reporting says the meet is tomorrow",
    "Nobody should be doing 14 hours back to back",
    "Great work today everyone, thank you",
    "Email me at sam.okafor@example.police.uk with the statement",
    "Just parked up outside the station",
    "The CCTV from the shop is attached",
    "Happy birthday Jo!",
)


def envelopes(n: int, *, chats: int = 200, seed: int = 7, source: str = "archive-gateway",
              start: datetime | None = None, prefix: str = "m") -> Iterator[dict]:
    """``n`` envelope dicts spread over ``chats`` chats, in time order."""
    rnd = random.Random(seed)
    t = start or datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    for i in range(n):
        c = rnd.randrange(chats)
        t += timedelta(milliseconds=rnd.randrange(50, 2000))
        sender = SENDERS[rnd.randrange(len(SENDERS))]
        is_phone = sender.startswith("+")
        yield {
            "version": VERSION, "source": source, "account": f"acct-{c % 17:03d}", "device": None,
            "chat": {"id": f"chat-{c:05d}", "name": f"Team {c:05d}", "is_group": c % 3 != 0},
            "message_id": f"{prefix}{i:010d}", "timestamp": t.isoformat().replace("+00:00", "Z"),
            "sender": {"id": None, "name": None if is_phone else sender,
                       "phone": "+447700900123" if is_phone else None},
            "kind": "message", "text": TEXTS[rnd.randrange(len(TEXTS))], "attachments": [], "event": None,
            "edited": False,
        }
