"""Benchmark: back-scan of generated messages with the local engine and Spark local[1] /
local[2].  Not a test; writes its section of ``docs/benchmarks/stream.md``.

    .venv/bin/python benchmarks/bench_backscan.py                          # 10,000,000 messages
    .venv/bin/python benchmarks/bench_backscan.py --rows 1000000 --detectors ""   # every detector

1. Generates a Parquet file of ``--rows`` envelope rows in batches (``--chats`` chats, the
   texts of ``chatwarden.stream.generate``; one row in 50 carries an attachment), without
   holding it all in memory.
2. Runs each engine in its own process on the same file: ``local``, then Spark
   ``local[1]`` and ``local[2]`` (partitions = 4 x cores, ``spark.driver.memory`` 4g).
3. Records wall seconds, rows/s, findings, peak resident memory (sampled every 0.5 s over
   the run's whole process tree: the sum, and the largest single process; for Spark the JVM
   and its Python workers) and the local[2] / local[1] speed-up, and checks every engine
   found the same number of findings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks" / "stream.md"
START, END = "<!-- bench_backscan:start -->", "<!-- bench_backscan:end -->"

RUNNER = r"""
import json, sys, time
from chatwarden.stream import backscan
engine, src, out, dets = sys.argv[1], sys.argv[2], sys.argv[3], tuple(d for d in sys.argv[4].split(",") if d)
t0 = time.time()
if engine == "local":
    r = backscan.run_local(src, out, detectors=dets)
else:
    cores = int(engine.split("[")[1].rstrip("]"))
    spark = backscan.spark_session(engine, config={"spark.driver.memory": "4g",
                                                   "spark.sql.shuffle.partitions": str(4 * cores)})
    t0 = time.time()  # JVM start-up excluded; reported separately
    r = backscan.run_spark(src, out, spark=spark, partitions=4 * cores, detectors=dets)
    spark.stop()
print(json.dumps({"rows": r.rows, "findings": r.findings, "rejects": r.rejects, "seconds": time.time() - t0}))
"""


def generate(path: Path, rows: int, chats: int, seed: int = 42) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from chatwarden.stream.backscan import INPUT_SCHEMA
    from chatwarden.stream.generate import SENDERS, TEXTS

    rng = np.random.default_rng(seed)
    texts = pa.array(TEXTS)
    names = pa.array([None if s.startswith("+") else s for s in SENDERS])
    phones = pa.array(["+447700900123" if s.startswith("+") else None for s in SENDERS])
    att = '[{"sha256": null, "media_type": "image", "size": 1000, "ref": "gw:1", "name": null, "mime_type": null}]'
    t = 1_772_352_000_000_000  # 2026-03-01 in microseconds
    step = 1_000_000
    with pq.ParquetWriter(path, INPUT_SCHEMA) as w:
        for start in range(0, rows, step):
            n = min(step, rows - start)
            chat = rng.integers(0, chats, n)
            ts = t + np.cumsum(rng.integers(50_000, 2_000_000, n))
            t = int(ts[-1])
            sender = rng.integers(0, len(SENDERS), n)
            text = rng.integers(0, len(TEXTS), n)
            has_att = rng.integers(0, 50, n) == 0
            chat_ids = pa.array([f"chat-{c:06d}" for c in chat])
            cols = {
                "source": pa.array(["archive-gateway"] * n), "account": pa.array([f"acct-{c % 17:03d}" for c in chat]),
                "device": pa.nulls(n, pa.string()), "chat_id": chat_ids,
                "chat_name": pa.array([f"Team {c:06d}" for c in chat]), "is_group": pa.array(chat % 3 != 0),
                "message_id": pa.array([f"m{start + i:011d}" for i in range(n)]),
                "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")), "sender_id": pa.nulls(n, pa.string()),
                "sender_name": names.take(pa.array(sender)), "sender_phone": phones.take(pa.array(sender)),
                "kind": pa.array(np.where(has_att, "attachment", "message")),
                "text": texts.take(pa.array(text)), "edited": pa.array(np.zeros(n, dtype=bool)),
                "attachments": pa.array([att if a else None for a in has_att]), "event": pa.nulls(n, pa.string()),
            }
            w.write_table(pa.table(cols, schema=INPUT_SCHEMA), row_group_size=250_000)


def tree_rss(root: int, cpu: dict[int, float] | None = None) -> tuple[int, int]:
    """(sum, largest) resident set size in bytes of ``root`` and all its descendants;
    records each one's CPU seconds so far in ``cpu``."""
    parent: dict[int, int] = {}
    ticks: dict[int, float] = {}
    hz = os.sysconf("SC_CLK_TCK")
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                parent[int(d.name)] = int(fields[1])
                ticks[int(d.name)] = (int(fields[11]) + int(fields[12])) / hz
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = {root}, [root]
    while todo:
        p = todo.pop()
        for child, par in parent.items():
            if par == p and child not in tree:
                tree.add(child)
                todo.append(child)
    if cpu is not None:
        for pid in tree:
            if pid in ticks:
                cpu[pid] = max(cpu.get(pid, 0.0), ticks[pid])
    sizes = []
    for pid in tree:
        try:
            sizes.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError, ValueError):
            pass
    return sum(sizes), max(sizes, default=0)


def run(engine: str, src: Path, out: Path, detectors: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    load0 = os.getloadavg()[0]
    t0 = time.time()
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, engine, str(src), str(out), detectors], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_sum = peak_one = 0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        total, largest = tree_rss(proc.pid, cpu)
        peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
        time.sleep(0.5)
    stdout, stderr = proc.communicate()
    wall = time.time() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = json.loads(stdout.strip().splitlines()[-1])
    res.update(engine=engine, wall=wall, peak_mb=peak_sum / 2**20, peak_one_mb=peak_one / 2**20,
               load=(load0, os.getloadavg()[0]),
               cpu=max(sum(cpu.values()), (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)))
    return res


def machine() -> str:
    from bench_monitor import machine as m

    return m()


def write_doc(results: list[dict], rows: int, chats: int, detectors: str, gen_s: float, size_mb: float) -> None:
    by = {r["engine"]: r for r in results}
    lines = [START, f"## Back-scan, {rows:,} messages ({detectors or 'every registered detector'})", "",
             f"Measured {date.today().isoformat()} on {machine()}, by `benchmarks/bench_backscan.py --rows {rows} "
             f"--chats {chats} --detectors '{detectors}'`. Input: one Parquet file of {size_mb:,.0f} MiB "
             f"(generated in {gen_s:.0f} s). Seconds: the scan (for Spark, from the session being up to the output "
             "written; JVM start-up excluded); peak RSS: the run's whole process tree (largest single process in "
             "brackets), sampled every 0.5 s; CPU: user+system "
             "seconds of all processes of the run (sampled from /proc, so the last half second of a process may be "
             "missed); load: the host's 1-minute load average before/after (the host "
             "is shared with other work).", "",
             "| engine | rows | findings | seconds | rows/s | CPU s | peak RSS | load |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['engine']} | {r['rows']:,} | {r['findings']:,} | {r['seconds']:.0f} | "
                     f"{r['rows'] / r['seconds']:,.0f} | {r['cpu']:.0f} | {r['peak_mb']:,.0f} MiB ({r['peak_one_mb']:,.0f}) | "
                     f"{r['load'][0]:.1f}/{r['load'][1]:.1f} |")
    lines.append("")
    if "local[1]" in by and "local[2]" in by:
        lines.append(f"- Spark local[2] / local[1] speed-up: **{by['local[1]']['seconds'] / by['local[2]']['seconds']:.2f}x** "
                     "(target 1.7x).")
    if "local" in by and "local[2]" in by:
        lines.append(f"- local engine / Spark local[2] time: {by['local']['seconds'] / by['local[2]']['seconds']:.2f}x.")
    same = len({r["findings"] for r in results}) == 1
    lines.append(f"- Every engine found the same number of findings: {'yes' if same else 'NO'}.")
    lines += ["", END]
    text = DOC.read_text() if DOC.exists() else "# Streaming benchmarks\n\n"
    block = "\n".join(lines)
    key = f"{rows}:{detectors or 'all'}:{'+'.join(r['engine'] for r in results)}"
    marker_start = START.replace(":start", f":{key}:start")
    marker_end = END.replace(":end", f":{key}:end")
    block = block.replace(START, marker_start).replace(END, marker_end)
    if marker_start in text:
        text = text[:text.index(marker_start)] + block + text[text.index(marker_end) + len(marker_end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--chats", type=int, default=20_000)
    ap.add_argument("--detectors", default="identifiers,markings,governance",
                    help="comma-separated detector set ('' = every registered detector)")
    ap.add_argument("--engines", default="local,local[1],local[2]")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="cw-bench-backscan-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"input-{args.rows}.parquet"
    gen_s = 0.0
    if not src.exists():
        t0 = time.time()
        generate(src, args.rows, args.chats)
        gen_s = time.time() - t0
    size_mb = src.stat().st_size / 2**20
    print(f"input {src} {size_mb:.0f} MiB (generated in {gen_s:.0f} s)", flush=True)
    results = []
    for engine in args.engines.split(","):
        r = run(engine, src, work / f"out-{engine.replace('[', '').replace(']', '')}", args.detectors)
        print(f"{engine:>9}: {r['seconds']:.0f} s, {r['rows'] / r['seconds']:,.0f} rows/s, {r['findings']:,} findings, "
              f"peak {r['peak_mb']:,.0f} MiB, load {r['load'][0]:.1f}", flush=True)
        results.append(r)
    if not args.no_write:
        write_doc(results, args.rows, args.chats, args.detectors, gen_s, size_mb)


if __name__ == "__main__":
    main()
