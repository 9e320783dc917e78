"""Parser benchmark: chatwarden against whatstk and chat-miner on large generated exports.

    .venv/bin/python benchmarks/bench_parse.py            # 1,000,000 messages per export
    .venv/bin/python benchmarks/bench_parse.py --quick    # 100,000 messages
    .venv/bin/python benchmarks/bench_parse.py --no-peers --no-doc   # chatwarden only, print the table

For each export (Android and iOS, from ``benchmarks/gen_export.py``, written on first use to
``benchmarks/.work/``) every tool runs in its own fresh subprocess, one after the other:

* ``baseline``: a plain streaming Python loop that counts header lines with one regex (the
  floor any Python parser can hope for);
* ``chatwarden-api``: ``open_export`` and iterate the messages;
* ``chatwarden-cli``: ``chatwarden parse EXPORT --format jsonl --out /dev/null`` (the message
  count is read from the summary record of a second, untimed run);
* ``whatstk``: ``WhatsAppChat.from_source(filepath=..., max_size=None)`` (its 50 MB cap lifted);
* ``chat-miner``: ``WhatsAppParser(path).parse_file()``.

Wall time is measured around the subprocess (interpreter start included, the same for all);
peak RSS is the child's own ``ru_maxrss`` from ``os.wait4``.  The peers are installed with
pip into ``benchmarks/.venv-peers`` (git-ignored).  Results are appended as a dated section
to ``docs/benchmarks/parse.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import gen_export  # noqa: E402

PEERS_VENV = ROOT / "benchmarks" / ".venv-peers"
PEER_SPECS = ["whatstk==0.9.1", "chat-miner==0.6.0"]
DOC = ROOT / "docs" / "benchmarks" / "parse.md"
TARGET_RATIO = 8.0
TARGET_RSS_MIB = 200.0

# Child programs: each prints one JSON line {"count": n} and nothing else on stdout.
BASELINE = r"""
import json, re, sys
rx = re.compile(r"\u200e?\[?\d{1,4}[./-]\d{1,2}[./-]\d{2,4},? \d{1,2}:\d{2}")
n = 0
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    for line in fh:
        if rx.match(line):
            n += 1
print(json.dumps({"count": n}))
"""
CHATWARDEN_API = r"""
import json, sys
from chatwarden.ingest import open_export
n = 0
with open_export(sys.argv[1]) as parsed:
    for _m in parsed.messages():
        n += 1
print(json.dumps({"count": n, "warnings": len(parsed.warnings)}))
"""
WHATSTK = r"""
import json, sys
from whatstk import WhatsAppChat
chat = WhatsAppChat.from_source(filepath=sys.argv[1], max_size=None)
print(json.dumps({"count": len(chat.df)}))
"""
CHAT_MINER = r"""
import json, logging, sys
logging.disable(logging.CRITICAL)
from chatminer.chatparsers import WhatsAppParser
parser = WhatsAppParser(sys.argv[1])
parser.parse_file()
print(json.dumps({"count": len(parser.parsed_messages.get_df(as_pandas=True))}))
"""


@dataclass
class Result:
    tool: str
    export: str
    wall_s: float | None
    rss_mib: float | None
    count: int | None
    note: str = ""
    cpu_s: float | None = None

    @property
    def rate(self) -> float | None:
        return self.count / self.wall_s if self.count and self.wall_s else None

    @property
    def cpu_rate(self) -> float | None:
        return self.count / self.cpu_s if self.count and self.cpu_s else None


def run_child(argv: list[str], timeout: float, stdout_path: Path | None = None) -> tuple[float, float, int, str, str, float]:
    """Run ``argv``; return (wall seconds, peak RSS MiB, exit status, stdout, stderr tail,
    CPU seconds (user + system) of the child)."""
    out = open(stdout_path, "wb") if stdout_path else tempfile.TemporaryFile()  # noqa: SIM115
    err = tempfile.TemporaryFile()
    env = dict(os.environ, CI="1", PYTHONDONTWRITEBYTECODE="1", TQDM_DISABLE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            status = -9
            break
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status) if status != -9 else -9
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")[-2000:]
    text = ""
    if not stdout_path:
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    out.close()
    err.close()
    return wall, usage.ru_maxrss / 1024, proc.returncode, text, stderr, usage.ru_utime + usage.ru_stime


def ensure_peers(python: str) -> str | None:
    """Create benchmarks/.venv-peers with the peers; return its python or None (with a note)."""
    py = PEERS_VENV / "bin" / "python"
    if py.exists():
        probe = subprocess.run([str(py), "-c", "import whatstk, chatminer"], capture_output=True)
        if probe.returncode == 0:
            return str(py)
    print(f"installing {' '.join(PEER_SPECS)} into {PEERS_VENV} ...", flush=True)
    base = shutil.which("python3.11") or shutil.which("python3") or python
    subprocess.run([base, "-m", "venv", str(PEERS_VENV)], check=True)
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEER_SPECS],
                         capture_output=True, text=True)
    if res.returncode != 0:
        print(res.stderr[-2000:], file=sys.stderr)
        return None
    return str(py)


def versions(py: str, modules: list[str]) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")
    res = subprocess.run([py, "-c", code, *modules], capture_output=True, text=True)
    return json.loads(res.stdout) if res.returncode == 0 else {}


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    parser_files = ["chatwarden/ingest", "chatwarden/model.py", "chatwarden/cli.py", "chatwarden/serialize.py"]
    dirty = subprocess.run(["git", "status", "--porcelain", "--", *parser_files], capture_output=True, text=True,
                           cwd=ROOT).stdout.strip()
    return {
        "uname": " ".join(platform.uname()),
        "cpu": f"{cpu} ({os.cpu_count()} logical CPUs)",
        "memory": mem,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "chatwarden": f"git {rev}{' + uncommitted parser changes' if dirty else ''}",
        "load": "load average at start {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def bench(exports: dict[str, Path], peers_py: str | None, timeout: float, tools: list[str]) -> list[Result]:
    py = sys.executable
    cli = str(Path(py).parent / "chatwarden")
    results: list[Result] = []
    for label, path in exports.items():
        plan: list[tuple[str, list[str] | None, str]] = [
            ("baseline", [py, "-c", BASELINE, str(path)], ""),
            ("chatwarden-api", [py, "-c", CHATWARDEN_API, str(path)], ""),
            ("chatwarden-cli", [cli, "parse", str(path), "--format", "jsonl", "--out", "/dev/null"], ""),
            ("whatstk", [peers_py, "-c", WHATSTK, str(path)] if peers_py else None, "peers not installed"),
            ("chat-miner", [peers_py, "-c", CHAT_MINER, str(path)] if peers_py else None, "peers not installed"),
        ]
        for tool, argv, why in plan:
            if tool not in tools:
                continue
            if argv is None:
                results.append(Result(tool, label, None, None, None, why))
                continue
            print(f"  {label:8} {tool:15} ...", end="", flush=True)
            wall, rss, rc, out, err, cpu = run_child(argv, timeout)
            count, note = None, ""
            if rc == 0 and tool == "chatwarden-cli":
                count = cli_count(cli, path, timeout)
            elif rc == 0:
                try:
                    count = json.loads(out.strip().splitlines()[-1])["count"]
                except (ValueError, IndexError, KeyError):
                    note = "no count printed"
            else:
                last = (err.strip().splitlines() or [""])[-1]
                note = "timed out" if rc == -9 else f"failed (exit {rc}): {last[:160]}"
            res = Result(tool, label, wall if rc == 0 else None, rss, count, note, cpu if rc == 0 else None)
            results.append(res)
            rate = f"{res.rate:>12,.0f} msg/s" if res.rate else ""
            print(f" {wall:7.2f} s ({cpu:7.2f} s CPU) {rss:8.1f} MiB {count if count is not None else '-':>9} {rate} {note}", flush=True)
    return results


def cli_count(cli: str, path: Path, timeout: float) -> int | None:
    """Messages the CLI wrote, from the summary record of a second (untimed) run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        _, _, rc, _, _, _ = run_child([cli, "parse", str(path), "--format", "jsonl", "--out", str(out)], timeout)
        if rc != 0:
            return None
        with open(out, "rb") as fh:
            fh.seek(max(0, out.stat().st_size - (1 << 20)))
            last = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        return json.loads(last).get("messages")


def render_section(results: list[Result], info: dict[str, str], exports: dict[str, Path], n: int,
                   peer_versions: dict[str, str]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## {when}: {n:,} messages per export", ""]
    lines += [f"- machine: `{info['uname']}`", f"- CPU: {info['cpu']}; memory: {info['memory']}",
              f"- Python: {info['python']}; chatwarden {info['chatwarden']}",
              f"- {info['load']}, at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              "(other work on the machine inflates wall times; compare rows of one section only)"]
    if peer_versions:
        lines.append("- peers: " + ", ".join(f"{k} {v}" for k, v in sorted(peer_versions.items())))
    for label, path in exports.items():
        lines.append(f"- {label} export: `{path.name}`, {path.stat().st_size / 2**20:.1f} MiB "
                     f"(`benchmarks/gen_export.py --messages {n}`)")
    lines += ["", "| export | tool | wall (s) | CPU (s) | messages/s (wall) | peak RSS (MiB) | messages produced | note |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(
            f"| {r.export} | {r.tool} | {f'{r.wall_s:.2f}' if r.wall_s else '-'} | "
            f"{f'{r.cpu_s:.2f}' if r.cpu_s else '-'} | "
            f"{f'{r.rate:,.0f}' if r.rate else '-'} | {f'{r.rss_mib:.0f}' if r.rss_mib else '-'} | "
            f"{f'{r.count:,}' if r.count is not None else '-'} | {r.note} |"
        )
    lines += ["", "Throughput ratio against whatstk (messages per CPU second of each tool over whatstk's own, the "
              "verdict's basis: CPU time is steadier than wall time on the shared machine; wall-time ratio in "
              f"parentheses; target >= {TARGET_RATIO:.0f}x) and peak RSS of the jsonl CLI (target < {TARGET_RSS_MIB:.0f} MiB):",
              ""]
    for label in exports:
        by = {r.tool: r for r in results if r.export == label}
        wt = by.get("whatstk")
        for tool in ("chatwarden-api", "chatwarden-cli"):
            r = by.get(tool)
            if r and r.rate and wt and wt.rate:
                wall = r.rate / wt.rate
                ratio = r.cpu_rate / wt.cpu_rate if r.cpu_rate and wt.cpu_rate else wall
                basis = "CPU" if r.cpu_rate and wt.cpu_rate else "wall"
                lines.append(f"- {label}, {tool}: **{ratio:.1f}x** whatstk by {basis} time ({wall:.1f}x by wall time) "
                             f"({'meets' if ratio >= TARGET_RATIO else 'misses'} the {TARGET_RATIO:.0f}x target)")
            elif r:
                lines.append(f"- {label}, {tool}: no ratio (whatstk did not finish)")
        cli = by.get("chatwarden-cli")
        if cli and cli.rss_mib:
            ok = cli.rss_mib < TARGET_RSS_MIB
            lines.append(f"- {label}, chatwarden-cli peak RSS {cli.rss_mib:.0f} MiB "
                         f"({'meets' if ok else 'misses'} the < {TARGET_RSS_MIB:.0f} MiB target)")
    lines += ["", "Message counts differ by design: chatwarden reports every entry (system events included); "
              "whatstk and chat-miner keep what they read as user messages.", ""]
    return "\n".join(lines) + "\n"


DOC_HEAD = """# Parser benchmark

`benchmarks/bench_parse.py` generates a large Android and a large iOS export with
`benchmarks/gen_export.py` (20 senders, 5 % multi-line messages, 5 % media and system
lines, invisible marks as iOS writes them; fixed seed) and parses each one in separate
subprocesses with chatwarden (library API and `chatwarden parse --format jsonl`), whatstk and
chat-miner, plus a baseline loop that only counts header lines.  Wall time includes the
interpreter start; peak RSS is the child process's `ru_maxrss`.  Each section below is one run,
newest last; numbers are only comparable within a section (same machine, same moment).

Re-run: `.venv/bin/python benchmarks/bench_parse.py` (add `--quick` for 100,000 messages).

"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100,000 messages per export instead of 1,000,000")
    ap.add_argument("--messages", type=int, help="messages per export (overrides --quick)")
    ap.add_argument("--platform", choices=sorted(gen_export.EXPORTS), action="append", help="only this export")
    ap.add_argument("--tools", default="baseline,chatwarden-api,chatwarden-cli,whatstk,chat-miner",
                    help="comma-separated subset of the tools")
    ap.add_argument("--no-peers", action="store_true", help="do not install or run whatstk and chat-miner")
    ap.add_argument("--no-doc", action="store_true", help=f"print the section instead of appending it to {DOC}")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per tool run (default 1800)")
    args = ap.parse_args(argv)

    n = args.messages or (100_000 if args.quick else 1_000_000)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if args.no_peers:
        tools = [t for t in tools if t not in ("whatstk", "chat-miner")]
    exports: dict[str, Path] = {}
    for plat in args.platform or sorted(gen_export.EXPORTS):
        path = gen_export.export_path(ROOT / "benchmarks" / ".work", plat, n)
        if not path.exists():
            t0 = time.perf_counter()
            gen_export.write_export(path, n, gen_export.STYLES[gen_export.EXPORTS[plat][1]])
            print(f"generated {path} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")
        exports[plat] = path

    peers_py = None
    peer_versions: dict[str, str] = {}
    if any(t in tools for t in ("whatstk", "chat-miner")):
        peers_py = ensure_peers(sys.executable)
        if peers_py:
            peer_versions = versions(peers_py, ["whatstk", "chat-miner"])
    info = machine()
    print(f"{info['cpu']}; {info['python']}; chatwarden {info['chatwarden']}")
    results = bench(exports, peers_py, args.timeout, tools)
    section = render_section(results, info, exports, n, peer_versions)
    if args.no_doc:
        print(section)
    else:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        if not DOC.exists():
            DOC.write_text(DOC_HEAD, encoding="utf-8")
        with open(DOC, "a", encoding="utf-8") as fh:
            fh.write(section)
        print(section)
        print(f"appended to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
