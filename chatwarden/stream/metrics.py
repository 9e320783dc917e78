"""Monitor metrics in the Prometheus text format, and the loopback HTTP listener that
serves them with the health and readiness endpoints.

Only counts, gauges and latencies: no message text, names, identifiers, chat or
account ids.  The listener binds 127.0.0.1 (a Prometheus agent or node exporter on the
same host scrapes it; nothing else can reach it) and answers:

* ``GET /metrics`` - the text format (version 0.0.4);
* ``GET /healthz`` - ``200 ok`` while the process runs;
* ``GET /readyz`` - ``200 ready`` when the intake and the store answer and the loop has
  turned recently, else ``503 not ready``; the body says nothing more.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0,
           10.0, 30.0, 60.0, 300.0)
OUTCOMES = ("stored", "duplicate", "dead_lettered")


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float, n: int = 1) -> None:
        self.counts[bisect.bisect_left(BUCKETS, value)] += n
        self.sum += value * n
        self.count += n

    def quantile(self, q: float) -> float | None:
        """Estimate like Prometheus' histogram_quantile (linear within a bucket)."""
        if not self.count:
            return None
        rank = q * self.count
        seen = 0
        lower = 0.0
        for i, c in enumerate(self.counts):
            upper = BUCKETS[i] if i < len(BUCKETS) else BUCKETS[-1]
            if seen + c >= rank and c:
                return lower + (upper - lower) * (rank - seen) / c
            seen += c
            lower = upper
        return BUCKETS[-1]


class Metrics:
    """Thread-safe counters for one monitor process."""

    def __init__(self, consumer: str = "") -> None:
        self.lock = threading.Lock()
        self.started = time.time()
        self.messages = dict.fromkeys(OUTCOMES, 0)
        self.batches = 0
        self.findings = 0
        self.claimed = 0
        self.errors = {"transient": 0, "batch": 0}
        self.read_to_stored = Histogram()
        self.end_to_end = Histogram()
        self.gauges = {"lag": 0, "pending": 0, "stream_length": 0, "dead_letters": 0, "consumers": 0}
        self.last_loop = time.monotonic()
        self._window: deque[tuple[float, int]] = deque()

    def beat(self) -> None:
        self.last_loop = time.monotonic()

    def batch(self, stored: int, duplicates: int, findings: int, read_to_stored: float,
              enqueued_ms: list[int]) -> None:
        now = time.time()
        with self.lock:
            self.batches += 1
            self.messages["stored"] += stored
            self.messages["duplicate"] += duplicates
            self.findings += findings
            n = stored + duplicates
            if n:
                self.read_to_stored.observe(read_to_stored, n)
            for ms in enqueued_ms:
                self.end_to_end.observe(max(0.0, now - ms / 1000))
            self._window.append((time.monotonic(), n))

    def dead_lettered(self, n: int = 1) -> None:
        with self.lock:
            self.messages["dead_lettered"] += n
            self._window.append((time.monotonic(), n))

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1

    def set_stats(self, stats) -> None:
        with self.lock:
            self.gauges.update(lag=stats.lag, pending=stats.pending, stream_length=stats.length,
                               dead_letters=stats.dead_letters, consumers=stats.consumers)

    def throughput(self, window_s: float = 60.0) -> float:
        """Messages per second over the last ``window_s`` seconds."""
        now = time.monotonic()
        with self.lock:
            while self._window and self._window[0][0] < now - window_s:
                self._window.popleft()
            total = sum(n for _t, n in self._window)
        span = min(window_s, max(1e-9, now - (self._window[0][0] if self._window else now)), time.time() - self.started)
        return total / span if span > 0 and total else 0.0

    def render(self) -> str:
        tp = self.throughput()
        with self.lock:
            out = [
                "# HELP chatwarden_monitor_messages_total Envelopes handled by this monitor, by outcome.",
                "# TYPE chatwarden_monitor_messages_total counter",
            ]
            out += [f'chatwarden_monitor_messages_total{{outcome="{k}"}} {v}' for k, v in self.messages.items()]
            out += [
                "# HELP chatwarden_monitor_batches_total Store transactions committed.",
                "# TYPE chatwarden_monitor_batches_total counter",
                f"chatwarden_monitor_batches_total {self.batches}",
                "# HELP chatwarden_monitor_findings_total New findings stored.",
                "# TYPE chatwarden_monitor_findings_total counter",
                f"chatwarden_monitor_findings_total {self.findings}",
                "# HELP chatwarden_monitor_claimed_total Pending envelopes claimed from idle consumers.",
                "# TYPE chatwarden_monitor_claimed_total counter",
                f"chatwarden_monitor_claimed_total {self.claimed}",
                "# HELP chatwarden_monitor_errors_total Failed store attempts (transient: retried; batch: split).",
                "# TYPE chatwarden_monitor_errors_total counter",
            ]
            out += [f'chatwarden_monitor_errors_total{{kind="{k}"}} {v}' for k, v in self.errors.items()]
            gauges = {
                "lag": "Envelopes in the intake not yet delivered to the consumer group.",
                "pending": "Envelopes delivered to the group and not yet acknowledged.",
                "stream_length": "Envelopes held by the intake.",
                "dead_letters": "Entries in the dead-letter stream.",
                "consumers": "Consumers in the group.",
            }
            for name, help_text in gauges.items():
                out += [f"# HELP chatwarden_monitor_{name} {help_text}", f"# TYPE chatwarden_monitor_{name} gauge",
                        f"chatwarden_monitor_{name} {self.gauges[name]}"]
            out += [
                "# HELP chatwarden_monitor_throughput Envelopes handled per second over the last minute.",
                "# TYPE chatwarden_monitor_throughput gauge",
                f"chatwarden_monitor_throughput {tp:.3f}",
                "# HELP chatwarden_monitor_up_seconds Seconds since this monitor started.",
                "# TYPE chatwarden_monitor_up_seconds gauge",
                f"chatwarden_monitor_up_seconds {time.time() - self.started:.1f}",
            ]
            for name, hist, help_text in (
                ("read_to_stored_seconds", self.read_to_stored,
                 "From reading a batch (detection starts) to its store commit, per envelope."),
                ("end_to_end_seconds", self.end_to_end, "From entering the intake to the store commit, per envelope."),
            ):
                full = f"chatwarden_monitor_{name}"
                out += [f"# HELP {full} {help_text}", f"# TYPE {full} histogram"]
                acc = 0
                for b, c in zip(BUCKETS, hist.counts):
                    acc += c
                    out.append(f'{full}_bucket{{le="{b}"}} {acc}')
                out.append(f'{full}_bucket{{le="+Inf"}} {hist.count}')
                out.append(f"{full}_sum {hist.sum:.6f}")
                out.append(f"{full}_count {hist.count}")
        return "\n".join(out) + "\n"


class MetricsServer:
    """``/metrics``, ``/healthz``, ``/readyz`` on 127.0.0.1:``port`` in a daemon thread."""

    def __init__(self, metrics: Metrics, port: int, ready: Callable[[], bool]) -> None:
        self.metrics = metrics
        self.ready = ready
        outer = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "chatwarden"
            sys_version = ""

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, outer.metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
                elif path == "/healthz":
                    self._send(200, "ok\n")
                elif path == "/readyz":
                    ok = False
                    try:
                        ok = outer.ready()
                    except Exception:  # noqa: BLE001 - not ready, whatever the reason
                        ok = False
                    self._send(200 if ok else 503, "ready\n" if ok else "not ready\n")
                else:
                    self._send(404, "not found\n")

            def _send(self, code: int, body: str, ctype: str = "text/plain; charset=utf-8") -> None:
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="chatwarden-metrics", daemon=True)

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
