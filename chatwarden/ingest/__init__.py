"""Ingestion: an export file (or stream) in, a :class:`~chatwarden.model.Chat`, its
:class:`~chatwarden.model.Message` values and :class:`~chatwarden.model.ParseWarning`
values out.  Parsers never import detectors or policy."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from chatwarden.ingest.archive import ArchiveLimits
from chatwarden.ingest.source import ExportSource, open_source
from chatwarden.ingest.whatsapp import WhatsAppParser
from chatwarden.model import Chat, Message, ParseWarning

__all__ = ["ArchiveLimits", "ParsedExport", "open_export", "parse_export"]


@dataclass
class ParsedExport:
    """An export being parsed.  Iterate :meth:`messages` once (streaming); :attr:`chat`
    and :attr:`warnings` are complete after that."""

    source: ExportSource
    parser: WhatsAppParser
    _consumed: bool = field(default=False)

    @property
    def chat(self) -> Chat:
        return self.parser.chat()

    @property
    def warnings(self) -> list[ParseWarning]:
        return self.parser.warnings

    @property
    def finished(self) -> bool:
        return self.parser._done

    def messages(self) -> Iterator[Message]:
        if self._consumed:
            raise RuntimeError("messages() can be iterated once; open the export again")
        self._consumed = True
        return self.parser.messages()

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> ParsedExport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_export(
    path: str | os.PathLike[str],
    *,
    date_order: str | None = None,
    encoding: str | None = None,
    limits: ArchiveLimits | None = None,
    default_region: str = "GB",
    progress: Callable[[int], None] | None = None,
) -> ParsedExport:
    """Open, check, hash and scan an export (pass 1); messages stream from the result."""
    source = open_source(path, encoding=encoding, limits=limits, progress=progress)
    try:
        parser = WhatsAppParser(source, date_order=date_order, default_region=default_region, on_bytes=progress)
        parser.scan()
    except BaseException:
        source.close()
        raise
    return ParsedExport(source, parser)


def parse_export(
    path: str | os.PathLike[str], **kwargs: object
) -> tuple[Chat, list[Message], list[ParseWarning]]:
    """Parse a whole export into memory: (chat, messages, warnings)."""
    with open_export(path, **kwargs) as parsed:  # type: ignore[arg-type]
        messages = list(parsed.messages())
        return parsed.chat, messages, list(parsed.warnings)
