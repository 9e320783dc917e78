"""The command-line shell.  Every command is a thin layer over a use-case function; this
module only reads options, shows progress and turns :mod:`chatwarden.errors` into one-line
messages and exit codes."""

from __future__ import annotations

import contextlib
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


class CLIGroup(click.Group):
    """Turns chatwarden errors into one line on stderr and a non-zero exit code."""

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
def main() -> None:
    """chatwarden: governance of instant messaging on police-issued phones.

    Parse WhatsApp exports, find breaches of the force's messaging guidance, review them,
    preserve evidence, keep the registers the policy requires, and answer FOI requests.
    """


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
                write = fh.write
                for m in parsed.messages():
                    write(dumps(m, option=OPT_JSON))  # a Message serialises itself (dataclass)
                    count += 1
                    while seen_warnings < len(parsed.warnings):
                        w = parsed.warnings[seen_warnings]
                        fh.write(orjson.dumps({"record": "warning", **warning_dict(w)}, option=OPT_JSON))
                        seen_warnings += 1
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


if __name__ == "__main__":  # pragma: no cover
    main()
