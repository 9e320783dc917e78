"""The command-line shell.  Every command is a thin layer over a use-case function; this
module only reads options, shows progress and turns :mod:`chatwarden.errors` into one-line
messages and exit codes."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import click
import orjson

from chatwarden import __version__
from chatwarden.errors import ChatwardenError

OPT_JSON = orjson.OPT_APPEND_NEWLINE


# Commands defined in other modules, imported only when one of them is asked for, so that
# `chatwarden parse` or `scan` does not pay for loading the store, web and register code
# (SQLAlchemy alone is about 0.2 s).  Each module registers its commands on `main`.
LAZY_COMMANDS = {
    "demo": "cli_demo",
    "import": "cli_store", "rescan": "cli_store", "review": "cli_store", "case": "cli_store",
    "evidence": "cli_store", "audit": "cli_store", "retention": "cli_store",
    "monitor": "cli_stream", "intake": "cli_stream", "backscan": "cli_stream",
    "apps": "cli_registers", "devices": "cli_registers", "groups": "cli_registers", "incidents": "cli_registers",
    "misconduct": "cli_registers", "registers": "cli_registers",
    "serve": "cli_web", "user": "cli_web",
    "foi": "cli_foi",
}


class CLIGroup(click.Group):
    """Turns chatwarden errors into one line on stderr and a non-zero exit code; loads the
    commands of :data:`LAZY_COMMANDS` on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = LAZY_COMMANDS.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"chatwarden.{module}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChatwardenError as exc:
            click.echo(f"chatwarden: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # e.g. `chatwarden parse x | head`
            with contextlib.suppress(Exception):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            ctx.exit(0)


@click.group(cls=CLIGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="chatwarden")
@click.option("--config", "config_file", default=None, type=click.Path(dir_okay=False),
              help="Settings file (YAML); also $CHATWARDEN_CONFIG.")
@click.option("--data-dir", default=None, help="Folder for the embedded database and stored files "
              "(default ./chatwarden-data; $CHATWARDEN_DATA_DIR).")
@click.option("--database-url", default=None, help="Database URL, e.g. postgresql://user@host/db "
              "(default: SQLite in the data folder; $CHATWARDEN_DATABASE_URL).")
@click.option("--as", "actor_name", default=None, help="Name recorded in the audit trail for this command "
              "(default: the login name).")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, data_dir: str | None, database_url: str | None,
         actor_name: str | None) -> None:
    """chatwarden: governance of instant messaging on police-issued phones.

    Parse WhatsApp exports, find breaches of the force's messaging guidance, review them,
    preserve evidence, keep the registers the policy requires, and answer FOI requests.
    """
    ctx.obj = CLIState(config_file, data_dir, database_url, actor_name)


class CLIState:
    """Settings and the store, opened on first use (a command that needs neither never
    touches the disk)."""

    def __init__(self, config_file: str | None, data_dir: str | None, database_url: str | None,
                 actor_name: str | None) -> None:
        self.config_file = config_file
        self.overrides = {"data_dir": data_dir, "database_url": database_url}
        self.actor_name = actor_name
        self._settings = None
        self._store = None

    @property
    def settings(self):
        if self._settings is None:
            from chatwarden.config import load_settings

            self._settings = load_settings(self.config_file, **self.overrides)
        return self._settings

    def store(self, create: bool = True):
        if self._store is None:
            from chatwarden.store import Store

            self._store = Store.open(self.settings, create=create)
        return self._store

    @property
    def actor(self):
        import getpass

        from chatwarden.model import Actor

        name = self.actor_name or os.environ.get("CHATWARDEN_ACTOR") or getpass.getuser()
        # The command line is used by whoever holds the data folder: an administrator.
        return Actor(f"cli:{name}", name, ("administrator",))


def state() -> CLIState:
    return click.get_current_context().find_object(CLIState)


@contextlib.contextmanager
def byte_progress(path: str, label: str, passes: int = 1) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for big files when a person is watching."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    if not sys.stderr.isatty() or size < 20 * 1024 * 1024 or os.environ.get("CI"):
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    progress = Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(), transient=True, console=None,
    )
    with progress:
        task = progress.add_task(label, total=size * passes)
        yield lambda n: progress.advance(task, n)


@contextlib.contextmanager
def open_output(out: str | None) -> Iterator[IO[bytes]]:
    if out is None or out == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    tmp = out + ".partial"
    try:
        with open(tmp, "wb") as fh:
            yield fh
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


DATE_ORDER = click.Choice(["dmy", "mdy", "ymd"])


@main.command("parse")
@click.argument("export", type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json", show_default=True,
              help="json: one object {chat, messages, warnings}; jsonl: one record per line, streamed; "
                   "text: a readable transcript.")
@click.option("--date-order", type=DATE_ORDER, default=None,
              help="Day/month order to use when the file cannot decide it (a locale hint).")
@click.option("--encoding", default=None, help="Text encoding of the transcript (default: detected; UTF-8/UTF-16).")
@click.option("--out", "-o", default=None, help="Write to this file instead of standard output.")
def parse_cmd(export: str, fmt: str, date_order: str | None, encoding: str | None, out: str | None) -> None:
    """Parse a WhatsApp EXPORT (.txt or .zip, Android or iOS) into messages.

    Every input line ends up in a message, a system event or a warning; message text is
    kept exactly as exported.  The JSON schema is documented in docs/parse-schema.md.
    """
    from chatwarden.ingest import open_export
    from chatwarden.serialize import chat_dict, participant_dict, warning_dict

    dumps = orjson.dumps

    with byte_progress(export, "parsing", passes=3) as progress:
        parsed = open_export(export, date_order=date_order, encoding=encoding, progress=progress)
        with parsed, open_output(out) as fh:
            if fmt == "jsonl":
                fh.write(orjson.dumps({"record": "chat", **chat_dict(parsed.chat, with_participants=False)}, option=OPT_JSON))
                seen_warnings = 0
                count = 0
                warnings = parsed.warnings  # the parser's own list: it grows as messages are read
                batch: list[bytes] = []  # records joined into one write per batch
                add = batch.append
                try:
                    for m in parsed.messages():
                        add(dumps(m, option=OPT_JSON))  # a Message serialises itself (dataclass)
                        count += 1
                        while seen_warnings < len(warnings):
                            w = warnings[seen_warnings]
                            add(orjson.dumps({"record": "warning", **warning_dict(w)}, option=OPT_JSON))
                            seen_warnings += 1
                        if len(batch) >= 256:
                            fh.write(b"".join(batch))
                            batch.clear()
                finally:  # also on an error: what was read before it is written, as line by line
                    fh.write(b"".join(batch))
                for w in parsed.warnings[seen_warnings:]:
                    fh.write(orjson.dumps({"record": "warning", **warning_dict(w)}, option=OPT_JSON))
                chat = parsed.chat
                summary = {
                    "record": "summary",
                    "messages": count,
                    "lines": chat.lines,
                    "warnings": len(parsed.warnings),
                    "participants": [participant_dict(p) for p in chat.participants],
                    "chat": chat_dict(chat),
                }
                fh.write(orjson.dumps(summary, option=OPT_JSON))
            elif fmt == "json":
                _write_json(parsed, fh)
            else:
                _write_text(parsed, fh)


def _write_json(parsed: Any, fh: IO[bytes]) -> None:
    """{chat, messages, warnings} with chat first, while holding no message in memory:
    messages go to a spool file (memory up to 64 MiB, then disk) until the chat summary
    is known."""
    from chatwarden.serialize import chat_dict, warning_dict

    dumps = orjson.dumps
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
        first = True
        for m in parsed.messages():
            if not first:
                spool.write(b",\n")
            first = False
            spool.write(dumps(m))
        fh.write(b'{"chat": ')
        fh.write(orjson.dumps(chat_dict(parsed.chat)))
        fh.write(b',\n"messages": [\n')
        spool.seek(0)
        while True:
            block = spool.read(1 << 20)
            if not block:
                break
            fh.write(block)
        fh.write(b'\n],\n"warnings": ')
        fh.write(orjson.dumps([warning_dict(w) for w in parsed.warnings]))
        fh.write(b"}\n")


def _write_text(parsed: Any, fh: IO[bytes]) -> None:
    chat = parsed.chat
    head = (
        f"# {chat.name or '(unnamed chat)'}  [{chat.platform}, dates {chat.date_order} by {chat.date_order_reason}]\n"
        f"# source {chat.source}  sha256 {chat.sha256}\n"
    )
    fh.write(head.encode())
    for m in parsed.messages():
        who = m.sender if m.sender is not None else f"<{m.kind}>"
        extra = ""
        if m.kind != "message" and m.sender is not None:
            extra = f" <{m.kind}>"
        if m.edited:
            extra += " <edited>"
        text = m.text.replace("\r\n", "\n").replace("\n", "\n" + " " * 8)
        fh.write(f"{m.line:>6}  {m.timestamp.isoformat(sep=' ')}  {who}{extra}: {text}\n".encode())
    chat = parsed.chat
    fh.write(f"# {len(chat.participants)} participants; {len(parsed.warnings)} warnings\n".encode())
    for w in parsed.warnings:
        where = f"line {w.line}" if w.line else "file"
        fh.write(f"# warning {w.code} ({where}): {w.detail}\n".encode())


# ---------------------------------------------------------------------------------- detection
POLICY_OPT = click.option("--policy", "policy_dir", default=None, type=click.Path(file_okay=False),
                          help="Folder of policy rules (default: the policy shipped with chatwarden).")


def _analyzer(policy_dir: str | None):
    from chatwarden.analysis import Analyzer

    return Analyzer.default(policy_dir).settle()


@main.command("scan")
@click.argument("export", type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="text: a summary for the terminal; json: the parse output plus findings; "
                   "html: a self-contained report for a person.")
@click.option("--out", "-o", default=None, help="Write to this file instead of standard output.")
@click.option("--date-order", type=DATE_ORDER, default=None, help="Day/month order when the file cannot decide it.")
@click.option("--encoding", default=None, help="Text encoding of the transcript (default: detected).")
@POLICY_OPT
def scan_cmd(export: str, fmt: str, out: str | None, date_order: str | None, encoding: str | None,
             policy_dir: str | None) -> None:
    """Find breaches of the messaging guidance in a WhatsApp EXPORT.

    Every finding names the rule, the guidance paragraph it rests on, the action the
    guidance prescribes, and how the detectors reached it.
    """
    analyzer = _analyzer(policy_dir)
    with byte_progress(export, "scanning", passes=3) as progress:
        result = analyzer.scan(export, date_order=date_order, encoding=encoding, progress=progress)
    with open_output(out) as fh:
        if fmt == "json":
            fh.write(orjson.dumps(scan_json(result), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
        elif fmt == "html":
            from chatwarden.reports.scan_report import render_scan_html

            fh.write(render_scan_html(result).encode("utf-8"))
        else:
            _scan_text(result, fh, to_terminal=out is None)


def scan_json(result: Any) -> dict[str, Any]:
    from chatwarden.serialize import chat_dict, decision_dict, message_dict, warning_dict

    counts: dict[str, int] = {}
    for d in result.decisions:
        counts[d.category] = counts.get(d.category, 0) + 1
    return {
        "chat": chat_dict(result.chat),
        "messages": [message_dict(m) for m in result.messages],
        "warnings": [warning_dict(w) for w in result.warnings],
        "findings": [decision_dict(d) for d in result.decisions],
        "summary": {
            "findings": len(result.decisions),
            "by_category": counts,
            "policy_version": result.policy_version,
            "detectors": result.detector_versions,
        },
    }


def _scan_text(result: Any, fh: IO[bytes], *, to_terminal: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout if to_terminal else None, record=not to_terminal, width=110,
                      force_terminal=False if not to_terminal else None)
    chat = result.chat
    console.print(f"[bold]{chat.name or '(unnamed chat)'}[/bold]  {chat.platform} export, {len(result.messages)} "
                  f"messages, {len(chat.participants)} participants, sha256 {chat.sha256[:16]}…")
    table = Table(title=f"{len(result.decisions)} findings", show_lines=False)
    table.add_column("category")
    table.add_column("findings", justify="right")
    for cat, n in sorted(result.category_counts().items(), key=lambda kv: -kv[1]):
        table.add_row(cat, str(n))
    console.print(table)
    by_index = {m.index: m for m in result.messages}
    for d in result.decisions:
        m = by_index.get(d.message_index) if d.message_index is not None else None
        where = f"line {m.line}, {m.timestamp:%Y-%m-%d %H:%M}, {m.sender or m.kind}" if m else "whole chat"
        console.print(f"[bold]{d.severity.upper():8}[/bold] {d.rule} ({d.category}) — {where}")
        if m is not None and m.text:
            excerpt = m.text if len(m.text) <= 160 else m.text[:157] + "…"
            console.print(f"          “{excerpt}”", markup=False, highlight=False)
        console.print(f"          cite: {d.citation.document} — {d.citation.section}", markup=False, highlight=False)
        console.print(f"          action: {d.action}", markup=False, highlight=False)
    if result.warnings:
        console.print(f"{len(result.warnings)} parser warnings (see --format json)")
    if not to_terminal:
        fh.write(console.export_text().encode("utf-8"))


@main.command("check")
@click.argument("file", required=False, default="-")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@POLICY_OPT
def check_cmd(file: str, fmt: str, policy_dir: str | None) -> None:
    """Check draft messages before sending (or classify messages in bulk).

    FILE (or standard input) holds one message per line, or JSONL objects with a "text"
    field.  Each line's output says whether, and why, it would breach the guidance.
    """
    texts = _read_check_input(file)
    analyzer = _analyzer(policy_dir)
    results = analyzer.check(texts)
    out = sys.stdout.buffer
    for text, decisions in zip(texts, results):
        if fmt == "jsonl":
            out.write(orjson.dumps({
                "text": text,
                "findings": [
                    {"category": d.category, "rule": d.rule, "severity": d.severity, "title": d.title,
                     "span": None if d.span is None else [d.span.start, d.span.end],
                     "explanation": d.explanation, "action": d.action,
                     "citation": f"{d.citation.document} — {d.citation.section}"}
                    for d in decisions
                ],
            }, option=OPT_JSON))
        else:
            if not decisions:
                out.write(f"OK      {text}\n".encode())
                continue
            out.write(f"BREACH  {text}\n".encode())
            for d in decisions:
                out.write(f"        {d.severity}: {d.title} [{d.rule}, {d.category}]\n"
                          f"        why: {d.explanation}\n"
                          f"        guidance: {d.citation.document} — {d.citation.section}\n"
                          f"        do: {d.action}\n".encode())
    out.flush()


def _read_check_input(file: str) -> list[str]:
    from chatwarden.errors import InputError

    if file == "-":
        raw = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            with open(file, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror})", source=file) from None
        name = file
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", source=name, offset=exc.start) from None
    texts = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                raise InputError("line starts with '{' but is not valid JSON", source=name, line=n) from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise InputError("JSON line needs a string field \"text\"", source=name, line=n)
            texts.append(obj["text"])
        else:
            texts.append(line)
    return texts


@main.group("policy")
def policy_group() -> None:
    """The messaging policy as code: list and check the rules."""


@policy_group.command("check")
@POLICY_OPT
def policy_check_cmd(policy_dir: str | None) -> None:
    """Load every rule strictly and run its match/no-match examples through the real
    detectors.  Exit code 1 if any rule is invalid or any example misbehaves."""
    analyzer = _analyzer(policy_dir)
    failures = analyzer.check_examples()
    n_ex = sum(len(r.match_examples) + len(r.no_match_examples) for r in analyzer.policy.rules)
    for f in failures:
        click.echo(f, err=True)
    click.echo(f"{len(analyzer.policy.rules)} rules, {n_ex} examples, {len(failures)} failures; "
               f"policy version {analyzer.policy.version[:12]}")
    if failures:
        sys.exit(1)


@policy_group.command("list")
@POLICY_OPT
def policy_list_cmd(policy_dir: str | None) -> None:
    """List the rules with category, severity and citation."""
    from chatwarden.policy import load_policy

    policy = load_policy(policy_dir)
    for r in policy.rules:
        click.echo(f"{r.id:30} {r.status:9} {r.category:24} {r.severity:8} {r.citation.document} — {r.citation.section}")


if __name__ == "__main__":  # pragma: no cover
    main()
