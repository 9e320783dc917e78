"""Load benchmark of the web app (not a timed test).

50 concurrent reviewers page through the review queue and open findings, over a store of
1,000,000 messages and 100,000 findings, on loopback.  The server is `chatwarden serve`
(one uvicorn process, as shipped) in a subprocess; the clients are asyncio + httpx.

    .venv/bin/python benchmarks/bench_web.py                  # build the store (once), run 60 s
    .venv/bin/python benchmarks/bench_web.py --duration 120 --users 50 --out docs/benchmarks/web.json
    .venv/bin/python benchmarks/bench_web.py --database-url postgresql://...   # same on PostgreSQL

The synthetic store: 200 group chats of 5,000 messages (ten senders each), one finding on
every tenth message with rules, categories and severities spread like a real queue, a
third of them already reviewed.  Reviewers sign in through the accounts use case (the
login form is rate-limited per address by design) and then use only HTTP.
Each reviewer loops: open the queue (first page), page on 1-3 pages (keyset "after"),
open 3 findings from the page seen (each open is an audited read that writes an audit
entry), with a filter (severity or category) on every fourth queue view.  Between requests
a reviewer "reads" for --think seconds on average (0.5x-1.5x; default 1 s, quicker than a
person really reads a finding); --think 0 is a back-to-back stress test of throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHATS = 200
PER_CHAT = 5000
FINDING_EVERY = 10
RULES = [
    ("os-pnc-record", "official-sensitive", "high"),
    ("od-operational-decision", "operational-decision", "medium"),
    ("pu-personal-use", "personal-use", "low"),
    ("spd-identifiers", "sensitive-personal-data", "high"),
    ("im-evidential-material", "investigation-material", "critical"),
    ("ul-unprofessional-language", "unprofessional-language", "low"),
]
RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
PASSWORD = "benchmark password 1"


def build_store(settings, *, chats: int, per_chat: int) -> None:
    """Fill an empty store with synthetic chats, messages and findings (direct inserts: this
    is test data, not an import)."""
    from sqlalchemy import func, insert, select

    from chatwarden.store import Store
    from chatwarden.store.tables import chats as t_chats
    from chatwarden.store.tables import exports, findings, messages, participants, scans

    store = Store.open(settings)
    with store.read() as conn:
        have = conn.execute(select(func.count()).select_from(messages)).scalar_one()
    if have >= chats * per_chat:
        print(f"store already holds {have} messages", file=sys.stderr)
        store.close()
        return
    rng = random.Random(5)
    now = datetime.now(UTC)
    t0 = time.time()
    words = (
        "shift",
        "briefing",
        "van",
        "custody",
        "nominal",
        "update",
        "meet",
        "station",
        "rota",
        "overtime",
        "address",
        "call",
        "victim",
        "statement",
        "tonight",
        "tomorrow",
        "sarge",
        "thanks",
        "cheers",
        "ok",
    )
    with store.transaction() as conn:
        for c in range(1, chats + 1):
            cid = conn.execute(
                insert(t_chats)
                .values(
                    key=f"{c:064d}",
                    name=f"Team {c:03d}",
                    platform="android",
                    is_group=True,
                    owner=None,
                    created_at=now,
                    updated_at=now,
                    message_count=per_chat,
                    first_message_at=datetime(2025, 1, 1),
                    last_message_at=datetime(2025, 1, 1) + timedelta(minutes=per_chat),
                    disposed=False,
                )
                .returning(t_chats.c.id)
            ).scalar_one()
            eid = conn.execute(
                insert(exports)
                .values(
                    chat_id=cid,
                    sha256=f"{c:064x}",
                    file_name=f"WhatsApp Chat with Team {c:03d}.txt",
                    size=1,
                    platform="android",
                    date_order="dmy",
                    date_order_reason="bench",
                    encoding="utf-8",
                    blob="0" * 64,
                    lines=per_chat,
                    messages=per_chat,
                    new_messages=per_chat,
                    warnings=[],
                    captured_by="bench",
                    captured_at=now,
                )
                .returning(exports.c.id)
            ).scalar_one()
            sid = conn.execute(
                insert(scans)
                .values(
                    chat_id=cid,
                    export_id=eid,
                    kind="import",
                    policy_version="bench",
                    detector_versions={},
                    messages_scanned=per_chat,
                    findings_new=per_chat // FINDING_EVERY,
                    actor="bench",
                    started_at=now,
                    finished_at=now,
                )
                .returning(scans.c.id)
            ).scalar_one()
            senders = [f"PC {c:03d}{s} Officer{s}" for s in range(10)]
            conn.execute(
                insert(participants),
                [{"chat_id": cid, "name": s, "messages": per_chat // 10, "seen_in": "sender"} for s in senders],
            )
            base = datetime(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
            rows = []
            for i in range(per_chat):
                text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 18)))
                rows.append(
                    {
                        "chat_id": cid,
                        "identity": f"{c:08d}{i:032d}",
                        "seq": i + 1,
                        "timestamp": base + timedelta(minutes=i),
                        "sender": senders[i % 10],
                        "sender_phone": None,
                        "kind": "message",
                        "text": text,
                        "edited": False,
                        "event": None,
                        "attachments": None,
                        "continuations": None,
                        "export_id": eid,
                        "line": i + 1,
                        "disposed": False,
                    }
                )
            res = conn.execute(insert(messages).returning(messages.c.id, sort_by_parameter_order=True), rows)
            ids = [r[0] for r in res]
            frows = []
            for i in range(0, per_chat, FINDING_EVERY):
                rule, cat, sev = RULES[rng.randrange(len(RULES))]
                status = rng.choice(("open", "open", "confirmed", "dismissed", "open", "open"))
                frows.append(
                    {
                        "chat_id": cid,
                        "message_id": ids[i],
                        "scan_id": sid,
                        "rule": rule,
                        "title": rule,
                        "category": cat,
                        "severity": sev,
                        "severity_rank": RANK[sev],
                        "score": 0.9,
                        "span_start": 0,
                        "span_end": 5,
                        "subject": "",
                        "anchor": str(ids[i]),
                        "explanation": "synthetic finding for the benchmark",
                        "action": "review it",
                        "citation": {"document": "004_fb39a41d194af020.txt", "section": "bench", "quote": ""},
                        "evidence": [],
                        "policy_version": "bench",
                        "status": status,
                        "case_id": None,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(findings), frows)
            if c % 20 == 0:
                print(f"  {c * per_chat} messages ({time.time() - t0:.0f} s)", file=sys.stderr)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:  # PostgreSQL: vacuum and analyse the bulk load now, not while the clients run
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    print(
        f"store built: {chats * per_chat} messages, {chats * per_chat // FINDING_EVERY} findings "
        f"in {time.time() - t0:.0f} s",
        file=sys.stderr,
    )
    store.close()


def make_reviewers(settings, n: int) -> list[str]:
    """n reviewer accounts (created once) and a fresh session for each; returns the cookies."""
    from sqlalchemy import select

    from chatwarden.model import Actor
    from chatwarden.store import Store
    from chatwarden.store.tables import users
    from chatwarden.web import accounts

    store = Store.open(settings)
    admin = Actor("bench:setup", "Benchmark set-up", ("administrator",))
    with store.read() as conn:
        have = set(conn.execute(select(users.c.username)).scalars())
    for i in range(n):
        name = f"reviewer{i:02d}"
        if name not in have:
            accounts.create_user(
                store, admin, username=name, display_name=f"Reviewer {i:02d}", password=PASSWORD, roles=["reviewer"]
            )
    cookies = [
        accounts.sign_in(store, f"reviewer{i:02d}", PASSWORD, max_failures=5, lockout_minutes=15).token
        for i in range(n)
    ]
    store.close()
    return cookies


class Stats:
    def __init__(self) -> None:
        self.lat: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        self.lat.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1


async def reviewer(base: str, cookie: str, stats: Stats, stop: float, seed: int, think: float) -> None:
    import httpx

    rng = random.Random(seed)

    async def pause() -> None:  # a person reads before the next click: 0.5x to 1.5x the mean
        if think > 0:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

    link = re.compile(r'href="/findings/(\d+)"')
    nxt = re.compile(r'id="next-page" rel="next" href="([^"]+)"')
    async with httpx.AsyncClient(base_url=base, cookies={"cw_session": cookie}, timeout=30.0) as client:

        async def get(kind: str, url: str) -> str:
            t = time.perf_counter()
            try:
                r = await client.get(url)
                ok = r.status_code == 200
                body = r.text
            except httpx.HTTPError:
                ok, body = False, ""
            stats.add(kind, time.perf_counter() - t, ok)
            await pause()
            return body

        await asyncio.sleep(rng.uniform(0, 2 * think))  # reviewers do not all start in the same millisecond
        views = 0
        while time.time() < stop:
            views += 1
            url = "/review"
            if views % 4 == 0:
                url += rng.choice(("?severity=high", "?severity=critical", "?category=personal-use", "?status=all"))
            page = await get("queue", url)
            for _ in range(rng.randint(1, 3)):
                m = nxt.search(page)
                if not m or time.time() >= stop:
                    break
                page = await get("queue-next", m.group(1).replace("&amp;", "&"))
            ids = link.findall(page)
            for fid in rng.sample(ids, min(3, len(ids))):
                if time.time() >= stop:
                    break
                await get("finding", f"/findings/{fid}")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summarise(stats: Stats, seconds: float) -> dict:
    out = {}
    everything = []
    for kind, v in sorted(stats.lat.items()):
        everything += v
        out[kind] = {
            "requests": len(v),
            "errors": stats.errors.get(kind, 0),
            "p50_ms": round(pct(v, 50) * 1000, 1),
            "p95_ms": round(pct(v, 95) * 1000, 1),
            "p99_ms": round(pct(v, 99) * 1000, 1),
            "mean_ms": round(statistics.fmean(v) * 1000, 1),
        }
    out["all"] = {
        "requests": len(everything),
        "errors": sum(stats.errors.values()),
        "p50_ms": round(pct(everything, 50) * 1000, 1),
        "p95_ms": round(pct(everything, 95) * 1000, 1),
        "p99_ms": round(pct(everything, 99) * 1000, 1),
        "throughput_rps": round(len(everything) / seconds, 1),
    }
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_load(base: str, cookies: list[str], duration: float, think: float) -> tuple[Stats, float]:
    stats = Stats()
    stop = time.time() + duration
    t = time.time()
    await asyncio.sleep(0)
    await asyncio.gather(*(reviewer(base, c, stats, stop, i, think) for i, c in enumerate(cookies)))
    return stats, time.time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default="/tmp/chatwarden-bench")
    ap.add_argument("--database-url", default="")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a reviewer spends on a page before the next request (0: back-to-back stress)",
    )
    ap.add_argument("--chats", type=int, default=CHATS)
    ap.add_argument("--per-chat", type=int, default=PER_CHAT)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args()

    from chatwarden.config import load_settings

    settings = load_settings(env={}, data_dir=args.data_dir, database_url=args.database_url or None)
    build_store(settings, chats=args.chats, per_chat=args.per_chat)
    cookies = make_reviewers(settings, args.users)
    port = free_port()
    cmd = [sys.executable, "-c", "from chatwarden.cli import main; main()", "--data-dir", args.data_dir]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    cmd += ["serve", "--port", str(port)]
    server = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env={**os.environ, "CHATWARDEN_CONFIG": ""}
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        if args.warmup:
            asyncio.run(run_load(base, cookies[:5], args.warmup, 0.0))
        stats, seconds = asyncio.run(run_load(base, cookies, args.duration, args.think))
    finally:
        server.terminate()
        server.wait(10)
    result = {
        "users": args.users,
        "think_s": args.think,
        "duration_s": round(seconds, 1),
        "messages": args.chats * args.per_chat,
        "findings": args.chats * args.per_chat // FINDING_EVERY,
        "database": "postgresql" if args.database_url else "sqlite",
        "cpus": os.cpu_count(),
        "results": summarise(stats, seconds),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
