"""Commands for continuous monitoring and back-scans: ``monitor``, ``intake …`` and
``backscan``.  Thin: the work is in :mod:`chatwarden.stream`."""

from __future__ import annotations

import logging
import sys

import click
import orjson

from chatwarden.cli import main, state
from chatwarden.errors import ChatwardenError, ConfigError, InputError

DETECTORS_OPT = click.option("--detectors", default=None,
                             help="Comma-separated detectors to run (default: the stream_detectors setting, "
                                  "empty = all registered).")


def _detectors(option: str | None, settings) -> tuple[str, ...]:
    if option is not None:
        return tuple(d.strip() for d in option.split(",") if d.strip())
    return tuple(settings.stream_detectors)


def _intake_error(exc: Exception) -> ChatwardenError:
    return ConfigError(f"the intake cannot be reached ({type(exc).__name__}); check redis_url / kafka_bootstrap")


# ------------------------------------------------------------------------------------ monitor
@main.command("monitor")
@click.option("--consumer", default=None, help="Consumer name in the group (default: host name and process id).")
@click.option("--batch", type=click.IntRange(1, 100_000), default=None,
              help="Envelopes per store transaction (default: the monitor_batch setting).")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None,
              help="Serve /metrics, /healthz and /readyz on 127.0.0.1:PORT (default: the metrics_port setting; "
                   "0 = off).")
@click.option("--stop-when-idle", type=float, default=None, metavar="SECONDS",
              help="Exit after the intake has been empty this long (default: run until SIGTERM).")
@click.option("--max-messages", type=click.IntRange(1), default=None, help="Exit after handling this many envelopes.")
@DETECTORS_OPT
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
def monitor_cmd(consumer: str | None, batch: int | None, metrics_port: int | None, stop_when_idle: float | None,
                max_messages: int | None, detectors: str | None, log_level: str) -> None:
    """Monitor messages continuously (lawful business monitoring, 24/7).

    Reads envelopes from the intake (Redis Streams, or Kafka with intake: kafka) as one
    consumer of the shared group, runs detection and the policy, stores messages and
    findings in one transaction per batch and acknowledges only after the commit.  Poison
    envelopes go to the dead-letter stream with the reason; entries left pending by a dead
    consumer are claimed.  Run several processes to share the load.  SIGTERM finishes the
    current batch and exits.  Logs hold counts and ids, never message content.
    """
    logging.basicConfig(stream=sys.stderr, level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    st = state()
    settings = st.settings
    from chatwarden.analysis import Analyzer
    from chatwarden.model import Actor
    from chatwarden.stream.intake import make_intake
    from chatwarden.stream.metrics import Metrics, MetricsServer
    from chatwarden.stream.monitor import Monitor

    store = st.store()
    analyzer = Analyzer.default(settings.policy_dir or None, list(_detectors(detectors, settings)) or None).settle()
    intake = make_intake(settings, consumer)
    mon = Monitor(store, analyzer, intake, settings, actor=Actor.system("monitor"), metrics=Metrics(intake.consumer),
                  batch=batch, stop_when_idle=stop_when_idle, max_messages=max_messages)
    mon.install_signal_handlers()
    port = settings.metrics_port if metrics_port is None else metrics_port
    server = None
    if port:
        try:
            server = MetricsServer(mon.metrics, port, mon.ready).start()
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port} for metrics ({exc.strerror})") from None
        logging.getLogger("chatwarden.monitor").info("metrics on http://127.0.0.1:%d/metrics", server.port)
    try:
        try:
            summary = mon.run()
        except ChatwardenError:
            raise
        except Exception as exc:
            import redis

            if isinstance(exc, (redis.RedisError, ConnectionError)):
                raise _intake_error(exc) from None
            raise
    finally:
        if server:
            server.stop()
        intake.close()
    click.echo(orjson.dumps({"consumer": intake.consumer, "batches": summary.batches, "stored": summary.stored,
                             "duplicates": summary.duplicates, "dead_lettered": summary.dead_lettered,
                             "findings": summary.findings}).decode())


# ------------------------------------------------------------------------------------ intake
@main.group("intake")
def intake_group() -> None:
    """Message envelopes: check them, put them on the intake, see the intake's state."""


def _read_lines(file: str):
    fh = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115
    try:
        for n, line in enumerate(fh, 1):
            if line.strip():
                yield n, line.rstrip(b"\r\n")
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


@intake_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def intake_validate_cmd(file: str) -> None:
    """Check a JSON Lines file of envelopes (one per line; - for stdin).

    Prints one line per rejected envelope (line number and reasons naming the fields,
    never the values) and a summary; exit code 2 when any envelope is rejected.
    """
    from chatwarden.stream.envelope import EnvelopeError, parse_envelope

    good = bad = 0
    try:
        for n, line in _read_lines(file):
            try:
                parse_envelope(line)
                good += 1
            except EnvelopeError as exc:
                bad += 1
                click.echo(f"{file}:{n}: " + "; ".join(exc.reasons))
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    click.echo(f"{good} valid, {bad} rejected")
    if bad:
        sys.exit(2)


@intake_group.command("push")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dedup/--no-dedup", default=True, show_default=True,
              help="Drop envelopes whose message id was pushed within webhook_dedup_hours (Redis).")
def intake_push_cmd(file: str, dedup: bool) -> None:
    """Validate a JSON Lines file of envelopes and push the valid ones onto the intake.

    For operations and testing; connectors push their own.  Rejected lines are listed as
    by ``intake validate`` and not pushed; exit code 2 when any was rejected.
    """
    from chatwarden.stream.envelope import EnvelopeError, parse_envelope
    from chatwarden.stream.intake import make_intake

    intake = make_intake(state().settings)
    pushed = repeats = bad = 0
    buf: list[tuple[bytes, str | None, str | None]] = []

    def flush() -> None:
        nonlocal pushed, repeats
        if buf:
            new = intake.push_many(buf)
            pushed += new
            repeats += len(buf) - new
            buf.clear()

    try:
        for n, line in _read_lines(file):
            try:
                env = parse_envelope(line)
            except EnvelopeError as exc:
                bad += 1
                click.echo(f"{file}:{n}: " + "; ".join(exc.reasons))
                continue
            buf.append((env.to_json(), env.chat_key, env.identity if dedup else None))
            if len(buf) >= 1000:
                flush()
        flush()
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    except Exception as exc:
        import redis

        if isinstance(exc, (redis.RedisError, ConnectionError)):
            raise _intake_error(exc) from None
        raise
    finally:
        intake.close()
    click.echo(f"{pushed} pushed, {repeats} already pushed, {bad} rejected")
    if bad:
        sys.exit(2)


@intake_group.command("status")
def intake_status_cmd() -> None:
    """The intake's counts: length, lag, pending, consumers, dead letters (JSON)."""
    from chatwarden.stream.intake import make_intake

    intake = make_intake(state().settings)
    try:
        s = intake.stats()
    except Exception as exc:  # noqa: BLE001
        raise _intake_error(exc) from None
    finally:
        intake.close()
    click.echo(orjson.dumps({"length": s.length, "lag": s.lag, "pending": s.pending, "consumers": s.consumers,
                             "dead_letters": s.dead_letters}).decode())


@intake_group.command("dead-letters")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
def intake_dead_letters_cmd(limit: int) -> None:
    """The newest dead letters (Redis): id, reason, origin; never the envelope itself."""
    from chatwarden.stream.intake import make_intake

    intake = make_intake(state().settings)
    if not hasattr(intake, "dead_letters"):
        raise ConfigError("dead letters can be listed for the Redis intake only (use Kafka's tools for its topic)")
    try:
        for row in intake.dead_letters(limit):
            click.echo(orjson.dumps(row).decode())
    except Exception as exc:  # noqa: BLE001
        raise _intake_error(exc) from None
    finally:
        intake.close()


# ------------------------------------------------------------------------------------ backscan
@main.command("backscan")
@click.argument("input_path", metavar="INPUT", type=click.Path())
@click.argument("output", type=click.Path())
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: in this process (no Java); spark: Apache Spark (local[*], a cluster or Spark Connect).")
@click.option("--master", default=None, help="Spark master, e.g. local[2], spark://host:7077 (default: spark_master "
              "setting, else local[*]).")
@click.option("--remote", default=None, help="Spark Connect URL, e.g. sc://host:15002 (default: spark_remote setting).")
@click.option("--partitions", type=click.IntRange(1), default=None,
              help="Spark partitions to spread chats over (default: the cluster's parallelism).")
@click.option("--load", is_flag=True, help="Load the findings, with their messages, into the store afterwards.")
@DETECTORS_OPT
def backscan_cmd(input_path: str, output: str, engine: str, master: str | None, remote: str | None,
                 partitions: int | None, load: bool, detectors: str | None) -> None:
    """Scan an archive of messages with the same detection and policy as the monitor.

    INPUT is Parquet (a file or a folder) with the envelope's columns, or a folder of
    WhatsApp exports.  OUTPUT is a Parquet dataset: OUTPUT/record_type=finding (one row per
    decision, with its message) and OUTPUT/record_type=reject (rows that are not valid
    envelopes, with the reason).  Both engines give identical results.
    """
    st = state()
    settings = st.settings
    from chatwarden.stream import backscan

    dets = _detectors(detectors, settings)
    if engine == "local":
        result = backscan.run_local(input_path, output, detectors=dets, policy_dir=settings.policy_dir,
                                    tz=settings.stream_timezone)
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise ConfigError("--engine spark needs pyspark: pip install 'chatwarden[scale]'") from None
        result = backscan.run_spark(input_path, output, master=master or settings.spark_master,
                                    remote=remote or settings.spark_remote, partitions=partitions, detectors=dets,
                                    policy_dir=settings.policy_dir, tz=settings.stream_timezone)
    out = {"engine": result.engine, "rows": result.rows, "findings": result.findings, "rejects": result.rejects,
           "output": result.output}
    if load:
        out["loaded"] = backscan.load_into_store(st.store(), output, actor=st.actor, tz=settings.stream_timezone)
    click.echo(orjson.dumps(out).decode())
