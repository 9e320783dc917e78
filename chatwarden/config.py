"""Settings, read once at the edge (CLI start-up, app factory), never at import time.

Sources, later ones winning: built-in defaults; a config file (YAML, strict: unknown keys
are errors) given by ``--config`` or ``$CHATWARDEN_CONFIG``; environment variables
``CHATWARDEN_<KEY>`` (upper case, e.g. ``CHATWARDEN_DATABASE_URL``).  Every key is
documented in docs/configuration.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from chatwarden.errors import ConfigError

DEFAULT_DATA_DIR = "chatwarden-data"


@dataclass(frozen=True)
class Settings:
    data_dir: str = DEFAULT_DATA_DIR
    database_url: str = ""  # default: sqlite:///<data_dir>/chatwarden.db
    policy_dir: str = ""  # default: the policy shipped with chatwarden
    default_region: str = "GB"
    # retention (days); 0 = keep
    retention_message_days_after_timer: int = 90
    retention_evidence_days: int = 2190  # 6 years (MOPI group 3 clear period)
    # archives
    max_archive_bytes: int = 16 * 1024**3
    max_upload_bytes: int = 2 * 1024**3
    # import
    import_workers: int = -1  # -1 = one fewer than the CPUs; 0 = detect in the importing process
    # review
    four_eyes_severities: tuple[str, ...] = ("high", "critical")
    pseudonymise_first_line: bool = False
    # web
    host: str = "127.0.0.1"
    port: int = 8450
    session_secret: str = ""  # default: generated and kept in <data_dir>/secret.key
    secure_cookies: bool = False  # set when served behind TLS
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # monitoring / scale (issue 8)
    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_name: str = "chatwarden:messages"
    dead_letter_stream: str = "chatwarden:dead"
    consumer_group: str = "chatwarden"
    kafka_bootstrap: str = ""
    kafka_topic: str = "chatwarden.messages"
    webhook_verify_token: str = ""
    webhook_app_secret: str = ""
    metrics_port: int = 0  # 0 = no metrics listener
    intake: str = "redis"  # redis | kafka
    stream_timezone: str = "Europe/London"
    stream_detectors: tuple[str, ...] = ()  # empty = every registered detector
    monitor_batch: int = 4000
    monitor_block_ms: int = 1000
    monitor_claim_idle_seconds: int = 60
    monitor_max_deliveries: int = 5
    stream_trim: bool = True
    kafka_dead_letter_topic: str = "chatwarden.dead"
    kafka_options: tuple[str, ...] = ()
    webhook_dedup_hours: int = 48
    spark_master: str = ""
    spark_remote: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_path / 'chatwarden.db').resolve()}"


SETTING_DOCS: dict[str, str] = {
    "data_dir": "folder of the embedded SQLite database, stored exports/media (blobs) and evidence packages",
    "database_url": "database URL; empty = SQLite in the data folder; postgresql://user@host/db for PostgreSQL",
    "policy_dir": "folder of policy rule files; empty = the policy shipped with chatwarden",
    "default_region": "region for phone numbers written without a country code",
    "retention_message_days_after_timer": "days messages are kept after the 90-day disappearing timer would have removed them",
    "retention_evidence_days": "days an evidence package is kept after its case closes (legal holds override)",
    "max_archive_bytes": "cap on the uncompressed size of a zip export (zip-bomb guard)",
    "max_upload_bytes": "cap on the size of an upload in the web app",
    "import_workers": "worker processes that run the text detectors during an import while the importing process "
                      "parses and stores (same results, same single transaction); -1 = one fewer than the CPUs, "
                      "0 = everything in the importing process (web uploads always use 0: no fork from a "
                      "multi-threaded server)",
    "four_eyes_severities": "severities whose dismissal needs a second reviewer (comma-separated)",
    "pseudonymise_first_line": "first-line reviewers see 'Participant A' instead of names until a supervisor unmasks",
    "host": "address the web app listens on",
    "port": "port the web app listens on",
    "session_secret": "key signing session cookies; empty = generated once and kept in the data folder",
    "secure_cookies": "mark cookies Secure (set when served behind TLS)",
    "login_max_failures": "failed logins before an account is locked",
    "login_lockout_minutes": "how long a locked account stays locked",
    "redis_url": "Redis server for the streaming monitor",
    "stream_name": "Redis stream the monitor consumes",
    "dead_letter_stream": "Redis stream for messages the monitor cannot process",
    "consumer_group": "Redis consumer group shared by monitor processes",
    "kafka_bootstrap": "Kafka bootstrap servers for the Kafka intake (empty = not used)",
    "kafka_topic": "Kafka topic for the Kafka intake",
    "webhook_verify_token": "WhatsApp Business Cloud API webhook verify token",
    "webhook_app_secret": "WhatsApp Business Cloud API app secret (X-Hub-Signature-256)",
    "metrics_port": "loopback port for the monitor's Prometheus metrics and health endpoints (0 = off)",
    "intake": "where envelopes wait for the monitor: redis (Redis Streams) or kafka",
    "stream_timezone": "zone in which streamed message times are shown (exports record local wall-clock time)",
    "stream_detectors": "detectors the monitor and back-scan run (comma-separated; empty = all registered)",
    "monitor_batch": ("most envelopes the monitor reads, checks and stores in one transaction (a backlog drains "
                      "faster in bigger batches; at a normal rate a read returns what has arrived)"),
    "monitor_block_ms": "how long the monitor waits for new envelopes before doing housekeeping",
    "monitor_claim_idle_seconds": "pending envelopes idle this long are claimed from a consumer presumed dead",
    "monitor_max_deliveries": "deliveries after which an envelope that keeps failing goes to the dead-letter stream",
    "stream_trim": "trim envelopes every consumer group has acknowledged from the Redis stream",
    "kafka_dead_letter_topic": "Kafka topic for envelopes the monitor cannot process",
    "kafka_options": "extra librdkafka settings as key=value, comma-separated (e.g. security.protocol=SASL_SSL)",
    "webhook_dedup_hours": "hours the webhook remembers a message id, so platform retries are dropped",
    "spark_master": "Spark master for chatwarden backscan --engine spark (empty = local[*])",
    "spark_remote": "Spark Connect URL (sc://host:15002) for chatwarden backscan; overrides spark_master",
}

_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(key: str, value: Any, source: str) -> Any:
    default = getattr(Settings(), key)
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: setting {key!r} has a value of the wrong type") from None


def load_settings(config_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
                  **overrides: Any) -> Settings:
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = config_file or env.get("CHATWARDEN_CONFIG")
    if path:
        from chatwarden.yamlstrict import load_file, line_of

        data, problems = load_file(path)
        if problems:
            raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}:1: the config file must be a mapping of settings")
        bad = [f"{path}:{line_of(data, k)}: unknown setting {k!r}" for k in data if k not in _TYPES or k == "extra"]
        if bad:
            raise ConfigError(f"{path}: {len(bad)} problem(s)", bad)
        for k, v in data.items():
            values[k] = _coerce(k, v, f"{path}:{line_of(data, k)}")
    for k in _TYPES:
        if k == "extra":
            continue
        ev = env.get(f"CHATWARDEN_{k.upper()}")
        if ev is not None:
            values[k] = _coerce(k, ev, f"environment variable CHATWARDEN_{k.upper()}")
    for k, v in overrides.items():
        if v is not None:
            values[k] = _coerce(k, v, f"option {k}")
    return replace(Settings(), **values)
