"""Generate large, realistic WhatsApp exports for the parser benchmark.

    python benchmarks/gen_export.py                  # 1,000,000 messages, Android and iOS
    python benchmarks/gen_export.py --messages 100000 --out benchmarks/.work

Both files are written with :mod:`chatwarden.ingest.render` (so every line is a shape a real
phone writes), streamed to disk entry by entry, from a fixed seed: the same arguments give
the same bytes.  The mix, per export:

* a group of 20 senders (names with emoji, hyphens, apostrophes, ``~ Name``, spaced phone
  numbers) introduced by the encryption notice, "created group" and one "added" line each;
* 95 % messages from people: 5 % of them span 2-4 lines (some with a blank line), about
  10 % carry emoji, on iOS 3 % carry invisible marks inside the text (U+2068/U+2069 around an
  @mention or a U+200E);
* 5 % media and system lines: 2 % media omitted, 1 % deleted, 2 % group events (subject
  changed, someone added again, someone left), in the platform's real wording and marks;
* timestamps non-decreasing, 0-5 minutes apart, from 13 January 2019.

Android: ``DD/MM/YYYY, HH:MM - `` with LF (en-GB).  iOS: ``[M/D/YY, HH:MM:SS] `` with CRLF and
U+200E marks (US region).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatwarden.ingest.render import STYLES, ChatEntry, HeaderStyle, encode_stream, iter_render  # noqa: E402

SEED = 20240613
GROUP = "Response Team \U0001F6A8"
SENDERS = [
    "Sgt Emma Clarke", "PC Tom O'Brien", "DC Priya Natarajan", "Insp. Mark Jones", "Jean-Luc Martin",
    "Aisha \U0001F33B", "~ Dave", "~\u202fSam Patel", "+44 7700 900123", "+44 7700 900456", "Chris \U0001F46E\u200d\u2642\ufe0f",
    "Zo\u00eb M\u00fcller", "Ola Nordmann", "Siobh\u00e1n N\u00ed Bhriain", "Kwame Mensah", "Li Wei",
    "Anne-Marie Dubois", "Rob \U0001F3C3", "Dispatch", "+1 202 555 0143",
]
WORDS = (
    "ok on my way at the scene suspect vehicle last seen heading north copy that can you check the PNC "
    "log it please need backup shift ends at eight briefing moved to 0900 thanks all good work today "
    "road closed traffic heavy witness statement taken CCTV requested will update later roger stand down "
    "sorry running late see you at the station anyone got a charger lunch? yes no maybe tomorrow"
).split()
EMOJI = ["\U0001F44D", "\U0001F602", "\U0001F64F", "\U0001F6A8", "\u2705", "\U0001F440", "\u2764\ufe0f", "\U0001F44D\U0001F3FD"]
MEDIA = ["image", "image", "image", "video", "audio", "sticker", "document"]


def _text(rng: random.Random, ios: bool) -> str:
    def line() -> str:
        words = rng.choices(WORDS, k=rng.randint(1, 14))
        if rng.random() < 0.1:
            words.append(rng.choice(EMOJI))
        if rng.random() < 0.05:
            words.insert(0, f"{rng.randint(1, 23)}:{rng.randint(0, 59):02d}")
        return " ".join(words)

    text = line()
    if ios and rng.random() < 0.03:
        who = rng.choice(SENDERS[:8])
        text = (f"@\u2068{who}\u2069 " + text) if rng.random() < 0.7 else text.replace(" ", " \u200e", 1)
    if rng.random() < 0.05:
        extra = [line() for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            extra.insert(0, "")
        text = "\n".join([text, *extra])
    return text


def entries(n: int, style: HeaderStyle, seed: int = SEED) -> Iterator[ChatEntry]:
    """``n`` entries (the group preamble included) for ``style``, deterministic for ``seed``."""
    rng = random.Random(seed)
    ios = style.platform == "ios"
    ts = datetime(2019, 1, 13, 8, 0, 0)
    admin = SENDERS[0]
    preamble = [ChatEntry(ts, GROUP if ios else None, kind="system:encryption"),
                ChatEntry(ts, None, kind="system:group_created", actor=admin, value=GROUP)]
    preamble += [ChatEntry(ts, None, kind="system:participant_added", actor=admin, subject=s) for s in SENDERS[1:]]
    yield from preamble[:n]
    subjects = ["Response Team \U0001F6A8", "Night shift", "Ops \u2013 week 12", "Response Team"]
    for _ in range(max(0, n - len(preamble))):
        ts += timedelta(seconds=rng.randint(0, 300))
        r = rng.random()
        sender = rng.choice(SENDERS)
        if r < 0.95:
            yield ChatEntry(ts, sender, _text(rng, ios))
        elif r < 0.97:
            yield ChatEntry(ts, sender, kind="media_omitted", media=rng.choice(MEDIA))
        elif r < 0.98:
            yield ChatEntry(ts, sender, kind="deleted")
        else:
            pick = rng.random()
            if pick < 0.4:
                yield ChatEntry(ts, None, kind="system:subject_changed", actor=sender, value=rng.choice(subjects))
            elif pick < 0.7:
                yield ChatEntry(ts, None, kind="system:participant_added", actor=admin, subject=sender)
            else:
                yield ChatEntry(ts, None, kind="system:participant_left", subject=sender)


def write_export(path: Path, n: int, style: HeaderStyle, seed: int = SEED) -> int:
    """Stream ``n`` entries to ``path``; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb", buffering=1 << 20) as fh:
        batch: list[bytes] = []
        for piece in encode_stream(iter_render(entries(n, style, seed), style), style):
            batch.append(piece)
            if len(batch) >= 4096:
                data = b"".join(batch)
                fh.write(data)
                size += len(data)
                batch.clear()
        data = b"".join(batch)
        fh.write(data)
        size += len(data)
    os.replace(tmp, path)
    return size


EXPORTS = {
    "android": ("WhatsApp Chat with Response Team.txt", "android-dmy-slash-comma-yyyy"),
    "ios": ("_chat.txt", "ios-mdy-comma"),
}


def export_path(out: Path, platform: str, n: int) -> Path:
    name, _ = EXPORTS[platform]
    return out / f"{platform}-{n}" / name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000, help="entries per export (default 1,000,000)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".work", help="output folder")
    ap.add_argument("--platform", choices=sorted(EXPORTS), action="append", help="only this platform (repeatable)")
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    for platform in args.platform or sorted(EXPORTS):
        path = export_path(args.out, platform, args.messages)
        t0 = time.perf_counter()
        size = write_export(path, args.messages, STYLES[EXPORTS[platform][1]], args.seed)
        print(f"{path}: {args.messages} entries, {size / 2**20:.1f} MiB in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
