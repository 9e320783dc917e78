"""Store benchmark (not a test): import (parse + detect + store) of a large generated export
into SQLite and into PostgreSQL, messages per second and peak RSS; then the time to page
through a review queue of 100,000 findings.  Appends a dated section to
docs/benchmarks/store.md.

    .venv/bin/python benchmarks/bench_store.py [--messages 1000000] [--findings 100000]

PostgreSQL: a throwaway cluster is started from Debian's binaries (tests/pgcluster.py);
without them the PostgreSQL rows are skipped and the report says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from benchlib import append_record, cpu_model

IMPORT = r"""
import sys, time, resource
from chatwarden.analysis import Analyzer
from chatwarden.config import load_settings
from chatwarden.importer import import_export
from chatwarden.model import Actor
from chatwarden.store import Store
from chatwarden.importer import resolve_workers
store = Store.open(load_settings(env={}, data_dir=sys.argv[1], database_url=sys.argv[2] or None))
analyzer = Analyzer.default().settle()  # as `chatwarden import` does
workers = resolve_workers(int(sys.argv[4]) if sys.argv[4] else store.settings.import_workers)
t = time.perf_counter(); c = time.process_time()
r = import_export(store, analyzer, sys.argv[3], actor=Actor("bench", "bench", ("administrator",)), workers=workers)
wall = time.perf_counter() - t; cpu = time.process_time() - c
kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the detection workers, joined by now
cpu += kids.ru_utime + kids.ru_stime
print(f"RESULT {r.messages} {r.findings_new} {wall:.3f} {cpu:.3f} "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} {kids.ru_maxrss // 1024} {workers}")
"""


def run_import(data_dir: str, url: str, export: Path, workers: int | None) -> dict:
    out = subprocess.run([sys.executable, "-c", IMPORT, data_dir, url, str(export), "" if workers is None else str(workers)],
                         capture_output=True, text=True, cwd=REPO, check=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("RESULT"))
    _, n, f, wall, cpu, rss, worker_rss, used = line.split()
    return {"messages": int(n), "findings": int(f), "wall": float(wall), "cpu": float(cpu), "rss": int(rss),
            "worker_rss": int(worker_rss), "workers": int(used)}


def seed_findings(store, n: int) -> None:
    """n open findings over stored messages (distribution of rules as in real scans)."""
    from sqlalchemy import select

    from chatwarden.store import records
    from chatwarden.store.tables import chats, messages

    rules = [("os-pnc-record", "official-sensitive", "high", 2), ("pu-personal-use", "personal-use", "low", 0),
             ("spd-contact-details", "sensitive-personal-data", "medium", 1),
             ("oc-offensive-conduct", "offensive-conduct", "high", 2), ("dn-duty-notice", "duty-notice", "medium", 1)]
    now = datetime.now(timezone.utc)
    with store.transaction() as conn:
        chat_id = conn.execute(select(chats.c.id).limit(1)).scalar_one()
        ids = [r[0] for r in conn.execute(select(messages.c.id).where(messages.c.chat_id == chat_id)
                                          .order_by(messages.c.id).limit(n))]
        scan_id = records.start_scan(conn, chat_id, None, "bench", "bench-policy", {}, "bench", "bench")
        rows = []
        for i, mid in enumerate(ids[:n]):
            rule, cat, sev, rank = rules[i % len(rules)]
            rows.append({"chat_id": chat_id, "message_id": mid, "scan_id": scan_id, "rule": rule, "title": rule,
                         "category": cat, "severity": sev, "severity_rank": rank, "score": 0.9, "span_start": 0,
                         "span_end": 5, "subject": "", "anchor": str(mid), "explanation": "benchmark finding",
                         "action": "review", "citation": {"document": "004", "section": "s", "quote": ""},
                         "evidence": [], "policy_version": "bench-policy", "status": "open", "case_id": None,
                         "created_at": now, "updated_at": now})
        cols = tuple(rows[0])
        records.bulk_insert(conn, "findings", cols, rows, frozenset({"citation", "evidence"}))
    store.refresh_statistics("findings")  # as an import that added this many findings does


def page_through(store, pages: int = 200, size: int = 50) -> dict:
    from chatwarden.cases.review import review_queue
    from chatwarden.model import Actor

    actor = Actor("bench", "bench", ("reviewer",))
    times = []
    after = None
    for _ in range(pages):
        t = time.perf_counter()
        rows = review_queue(store, actor, after_id=after, limit=size)
        times.append((time.perf_counter() - t) * 1000)
        if not rows:
            break
        after = rows[-1]["id"]
    filt = []
    for cat in ("personal-use", "offensive-conduct"):
        t = time.perf_counter()
        review_queue(store, actor, category=cat, limit=size)
        filt.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"pages": len(times), "p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
            "max": times[-1], "filtered_max": max(filt)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--workers", type=int, default=None,
                    help="detection worker processes for the import (default: the import_workers setting; 0 = none)")
    args = ap.parse_args()
    from chatwarden.config import load_settings
    from chatwarden.store import Store

    work = Path(tempfile.mkdtemp(prefix="cw-bench-store-"))
    results = []
    try:
        subprocess.run([sys.executable, str(REPO / "benchmarks" / "gen_export.py"), "--messages", str(args.messages),
                        "--platform", "android", "--out", str(work / "gen")], check=True, capture_output=True)
        export = next((work / "gen").rglob("*.txt"))
        backends = [] if args.no_sqlite else [("sqlite", "")]
        pg = None
        if not args.no_postgres:
            import pgcluster

            if pgcluster.find_bin():
                pg = pgcluster.cluster()
                base = pg.__enter__()
                backends.append(("postgresql", pgcluster.new_database(base, "bench")))
        for name, url in backends:
            data = work / f"data-{name}"
            r = run_import(str(data), url, export, args.workers)
            store = Store.open(load_settings(env={}, data_dir=str(data), database_url=url or None))
            seed_findings(store, args.findings)
            q = page_through(store)
            store.close()
            results.append((name, r, q))
        if pg is not None:
            pg.__exit__(None, None, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## {stamp}: {args.messages:,} messages, {args.findings:,} findings\n",
             f"- machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} CPUs, load average "
             f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}; Python {platform.python_version()}",
             "- import = parse + every detector + policy + store, one transaction, in a fresh process; "
             "targets: >= 50,000 messages/s into SQLite; review-queue pages < 50 ms",
             f"- text-detection worker processes: {', '.join(sorted({str(r['workers']) for _, r, _ in results}))} "
             "(CPU-seconds include the workers'; peak RSS is the importing process's, then the largest worker's)\n",
             "| backend | messages | import wall (s) | messages/s (wall) | messages per CPU-second | findings | "
             "peak RSS (MiB) | queue page p50 (ms) | p95 (ms) | max (ms) | filtered first page (ms) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r, q in results:
        lines.append(f"| {name} | {r['messages']:,} | {r['wall']:.1f} | {r['messages'] / r['wall']:,.0f} | "
                     f"{r['messages'] / r['cpu']:,.0f} | {r['findings']:,} | {r['rss']}"
                     f"{' + ' + str(r['worker_rss']) if r['workers'] else ''} | {q['p50']:.1f} | "
                     f"{q['p95']:.1f} | {q['max']:.1f} | {q['filtered_max']:.1f} |")
    text = "\n".join(lines) + "\n"
    append_record("store.md", "Store benchmark", "bench_store.py", text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
