"""Chain-of-custody entries: UTC only, one JSON object a line, round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chatwarden.errors import InputError
from chatwarden.evidence import CustodyEntry, custody_jsonl, read_custody_jsonl
from chatwarden.evidence.custody import normalise_custody

BST = timezone(timedelta(hours=1))


def test_round_trip_and_utc() -> None:
    entries = normalise_custody([
        CustodyEntry(datetime(2024, 6, 1, 10, 0, tzinfo=BST), "PC 1 A", "captured",
                     "device IMEI 1; account +44 7700 900001"),
        CustodyEntry(datetime(2024, 6, 1, 12, 30, 15, 123456, tzinfo=UTC), "DS 2 B", "handed-over", "Привет ✓"),
    ])
    assert entries[0].at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    data = custody_jsonl(entries)
    lines = data.decode().splitlines()
    assert len(lines) == 2 and lines[0].startswith('{"seq": 1, "at": "2024-06-01T09:00:00.000000Z"')
    assert read_custody_jsonl(data) == entries
    assert custody_jsonl([]) == b""


@pytest.mark.parametrize(
    "entry",
    [
        CustodyEntry(datetime(2024, 1, 1), "PC 1", "captured", ""),
        CustodyEntry(datetime(2024, 1, 1, tzinfo=UTC), " ", "captured", ""),
        CustodyEntry(datetime(2024, 1, 1, tzinfo=UTC), "PC 1", "", ""),
        CustodyEntry(datetime(2024, 1, 1, tzinfo=UTC), "PC 1\nPC 2", "captured", ""),
        CustodyEntry(datetime(2024, 1, 1, tzinfo=UTC), "PC 1", "captured", "a\x1bb"),
    ],
)
def test_bad_entries_are_refused_by_number(entry: CustodyEntry) -> None:
    good = CustodyEntry(datetime(2024, 1, 1, tzinfo=UTC), "PC 1", "captured", "")
    with pytest.raises(InputError) as err:
        normalise_custody([good, entry])
    assert "custody entry #2" in str(err.value)


@pytest.mark.parametrize(
    "data",
    [
        b"not json\n",
        b"[1, 2]\n",
        b'{"seq": 1, "at": "yesterday", "actor": "a", "action": "b", "detail": ""}\n',
        b'{"seq": 1, "at": "2024-01-01T00:00:00", "actor": "a", "action": "b", "detail": ""}\n',  # no zone
    ],
)
def test_bad_jsonl_names_the_line(data: bytes) -> None:
    with pytest.raises(InputError) as err:
        read_custody_jsonl(b"\n" + data)
    assert err.value.line == 2
