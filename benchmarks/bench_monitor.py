"""Benchmark: sustained throughput of the streaming monitor on loopback Redis into SQLite.
Not a test; writes its section of ``docs/benchmarks/stream.md``.

    .venv/bin/python benchmarks/bench_monitor.py                     # 40,000 envelopes, 1 and 2 consumers
    .venv/bin/python benchmarks/bench_monitor.py -n 100000 --detectors identifiers,markings,governance

For each detector set and each consumer count it starts a fresh redis-server on a free
loopback port and a fresh SQLite store, pushes ``-n`` generated envelopes
(``chatwarden.stream.generate``: 2,000 chats, a realistic share carrying identifiers and
markings), starts the monitor processes (``chatwarden monitor --stop-when-idle``) and
measures, end to end:

* messages/s: envelopes stored / seconds from starting the monitor processes to the last
  commit (taken from ``stream_messages.stored_at``): process start-up (Python, loading the
  detectors and the policy, about 1.2 s) is included, and so is every step (XREADGROUP,
  validation, detection, policy, the store transaction, XACK);
* sustained messages/s: the rate once the monitors run, start-up excluded: envelopes
  stored after the first batch / seconds from the first batch's write to the last's
  (``stored_at`` is taken when a batch's write starts, so each later batch's read,
  validation, detection, policy and write lie between two such times);
* p95 detection-to-stored latency: the ``chatwarden_monitor_read_to_stored_seconds``
  histogram (from reading a batch, when detection starts, to its commit), scraped from each
  process's /metrics and estimated like Prometheus' histogram_quantile;
* peak memory: the largest VmHWM of the monitor processes.

The backlog is pushed before the monitors start, so this is the sustained rate a monitor
can drain; end-to-end latency at a force's real rate (a few hundred per second) is the
read-to-stored latency plus at most ``monitor_block_ms``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks" / "stream.md"
START, END = "<!-- bench_monitor:start -->", "<!-- bench_monitor:end -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def quantile_from_metrics(texts: list[str], name: str, q: float) -> float | None:
    buckets: dict[float, float] = {}
    for text in texts:
        for m in re.finditer(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.MULTILINE):
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets[le] = buckets.get(le, 0) + float(m.group(2))
    if not buckets:
        return None
    total = buckets[float("inf")]
    rank, prev_le, prev_c = q * total, 0.0, 0.0
    for le in sorted(buckets):
        c = buckets[le]
        if c >= rank:
            if le == float("inf"):
                return prev_le
            return prev_le + (le - prev_le) * (rank - prev_c) / max(c - prev_c, 1e-9)
        prev_le, prev_c = le, c
    return None


def epoch(value) -> float:
    """``stream_messages.stored_at`` (UTC; text on SQLite) as seconds since the epoch."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_case(n: int, consumers: int, detectors: str, batch: int) -> dict:
    import orjson
    import redis
    from sqlalchemy import func, select

    from chatwarden.config import load_settings
    from chatwarden.store import Store
    from chatwarden.store.tables import stream_messages
    from chatwarden.stream.generate import envelopes
    from chatwarden.stream.redis_intake import RedisIntake

    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-monitor-"))
    port = free_port()
    rs = subprocess.Popen([shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port), "--bind",
                           "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        r = redis.Redis.from_url(url)
        for _ in range(200):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        settings = load_settings(env={}, data_dir=str(tmp / "data"), redis_url=url)
        Store.open(settings).close()
        intake = RedisIntake.from_settings(settings, "producer")
        buf = []
        for e in envelopes(n, chats=2000, seed=42):
            buf.append((orjson.dumps(e), None, None))
            if len(buf) >= 5000:
                intake.push_many(buf)
                buf = []
        intake.push_many(buf)
        intake.ensure_group()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHATWARDEN_")}
        env.update(CHATWARDEN_REDIS_URL=url, CHATWARDEN_DATA_DIR=str(tmp / "data"),
                   CHATWARDEN_STREAM_DETECTORS=detectors, CHATWARDEN_MONITOR_BATCH=str(batch))
        ports = [free_port() for _ in range(consumers)]
        load_before = os.getloadavg()[0]
        t0 = time.time()
        cpu0 = os.times()
        procs = [subprocess.Popen([sys.executable, "-c", "from chatwarden.cli import main; main()", "monitor",
                                   "--consumer", f"bench-{i}", "--metrics-port", str(ports[i]), "--stop-when-idle",
                                   "3", "--log-level", "warning"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for i in range(consumers)]
        scraped = [""] * consumers
        peak = 0
        while any(p.poll() is None for p in procs):
            for i, p in enumerate(procs):
                if p.poll() is None:
                    peak = max(peak, vm_hwm(p.pid))
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{ports[i]}/metrics", timeout=2) as resp:
                            scraped[i] = resp.read().decode()
                    except OSError:
                        pass
            time.sleep(0.5)
        for p in procs:
            _out, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"monitor failed: {err.decode()[-2000:]}")
        cpu1 = os.times()
        store = Store.open(settings)
        with store.read() as conn:
            stored = conn.execute(select(func.count()).select_from(stream_messages)).scalar_one()
            last = conn.execute(select(func.max(stream_messages.c.stored_at))).scalar_one()
            first = conn.execute(select(func.min(stream_messages.c.stored_at))).scalar_one()
            after_first = conn.execute(select(func.count()).select_from(stream_messages).where(
                stream_messages.c.stored_at > first)).scalar_one()
        store.close()
        last_epoch, first_epoch = epoch(last), epoch(first)
        elapsed = last_epoch - t0
        return {
            "n": n, "consumers": consumers, "detectors": detectors or "all registered", "stored": stored,
            "seconds": elapsed, "rate": stored / elapsed,
            "sustained": after_first / (last_epoch - first_epoch) if last_epoch > first_epoch else float("nan"),
            "p50": quantile_from_metrics(scraped, "chatwarden_monitor_read_to_stored_seconds", 0.5),
            "p95": quantile_from_metrics(scraped, "chatwarden_monitor_read_to_stored_seconds", 0.95),
            "peak_mb": peak / 2**20, "load": (load_before, os.getloadavg()[0]),
            "cpu_s": (cpu1.children_user + cpu1.children_system) - (cpu0.children_user + cpu0.children_system),
        }
    finally:
        rs.terminate()
        rs.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def write_doc(results: list[dict], n: int, batch: int) -> None:
    lines = [START, "## Streaming monitor (loopback Redis -> SQLite)", "",
             (f"Measured {date.today().isoformat()} on {machine()}, by `benchmarks/bench_monitor.py -n {n}` "
             f"(batch {batch}; envelopes over 2,000 chats pre-loaded, then drained by the monitor processes). "
             "messages/s = stored envelopes / seconds from starting the monitor processes to the last commit "
             "(process start-up, about 1.2 s, included); sustained = envelopes stored after the first batch / "
             "seconds from the first batch's write to the last's (start-up excluded); latency = "
             "read-to-stored (detection start to commit), p50/p95 estimated from the histogram buckets; CPU = "
             "user+system seconds of the monitor processes; load = the host's 1-minute load average before/after "
             "(the host is shared: other work was running)."), "",
             ("| detectors | consumers | envelopes | seconds | messages/s | sustained messages/s | p50 s | p95 s | CPU s "
              "| peak RSS/process | load |"),
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    by_det: dict[str, dict[int, dict]] = {}
    for r in results:
        by_det.setdefault(r["detectors"], {})[r["consumers"]] = r
        lines.append(f"| {r['detectors']} | {r['consumers']} | {r['stored']:,} | {r['seconds']:.1f} | "
                     f"{r['rate']:,.0f} | {r['sustained']:,.0f} | {r['p50']:.3f} | {r['p95']:.3f} | {r['cpu_s']:.1f} | "
                     f"{r['peak_mb']:.0f} MiB | {r['load'][0]:.1f}/{r['load'][1]:.1f} |")
    lines.append("")
    for det, rs in by_det.items():
        if 1 in rs and 2 in rs:
            lines.append(f"- {det}: 2 consumers / 1 consumer = {rs[2]['rate'] / rs[1]['rate']:.2f}x; "
                         f"CPU per 1,000 messages {1000 * rs[1]['cpu_s'] / rs[1]['stored']:.2f} s (1 consumer).")
    lines += ["", END]
    text = DOC.read_text() if DOC.exists() else "# Streaming benchmarks\n\n"
    block = "\n".join(lines)
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=40_000)
    ap.add_argument("--batch", type=int, default=4000, help="monitor_batch (default: the shipped default, 4000)")
    ap.add_argument("--detectors", action="append",
                    help="detector set (comma-separated; '' = all registered); repeatable")
    ap.add_argument("--consumers", default="1,2")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sets = args.detectors if args.detectors is not None else ["", "identifiers,markings,governance"]
    results = []
    for det in sets:
        for c in (int(x) for x in args.consumers.split(",")):
            r = run_case(args.n, c, det, args.batch)
            print(f"{r['detectors']:>35} consumers={c} {r['rate']:8.0f} msg/s sustained {r['sustained']:8.0f} cpu={r['cpu_s']:.1f}s p95={r['p95']:.3f}s "
                  f"peak={r['peak_mb']:.0f} MiB load={r['load'][0]:.1f}", flush=True)
            results.append(r)
    if not args.no_write:
        write_doc(results, args.n, args.batch)


if __name__ == "__main__":
    main()
