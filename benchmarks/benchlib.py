"""What several benchmark scripts share: naming the machine and appending a run's section
to its record page under docs/benchmarks/ (newest run last)."""

from __future__ import annotations

import platform
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def append_record(page: str, title: str, script: str, text: str) -> Path:
    """Append ``text`` to docs/benchmarks/``page``, creating the page with ``title`` first."""
    out = REPO / "docs" / "benchmarks" / page
    if not out.exists():
        out.write_text(f"# {title}\n\nProduced by `benchmarks/{script}`; newest run last.\n", encoding="utf-8")
    with open(out, "a", encoding="utf-8") as fh:
        fh.write(text)
    return out
