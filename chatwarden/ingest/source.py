"""Where the transcript comes from: a ``.txt`` file or the chat member of a ``.zip``.

:class:`ExportSource` hashes the export at capture, picks the transcript inside a zip,
detects the text encoding (UTF-8 with or without BOM, UTF-16 with or without BOM) and hands
out the decoded text in chunks that end on a line boundary, as often as the parser needs
(the parser reads twice: once to learn the file, once to emit messages).  Bad bytes raise
:class:`~chatwarden.errors.DecodeError` with the byte offset and line.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chatwarden.errors import ArchiveError, BinaryInputError, DecodeError, EmptyExportError, InputError
from chatwarden.ingest.archive import (
    ArchiveLimits,
    MemberInfo,
    check_members,
    hash_members,
    member_stream,
    open_zip,
)

CHUNK = 1 << 20
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# Localised file names of exports: "WhatsApp Chat with X.txt" and friends.
CHAT_FILE_NAME_RE = re.compile(
    r"^(?:WhatsApp Chat with |WhatsApp Chat - |WhatsApp Chat mit |WhatsApp-Chat mit |Conversa do WhatsApp com "
    r"|Chat de WhatsApp con |Discussion WhatsApp avec |Chat WhatsApp con |Chat WhatsApp con |WhatsApp-chat met "
    r"|Чат WhatsApp с |Chat WhatsApp s |Chat na WhatsAppu s |WhatsApp Sohbeti: |Obrolan WhatsApp dengan "
    r"|WhatsApp Chat: |Czat WhatsApp z |WhatsApp-chatt med |WhatsApp-chat med )(?P<name>.+?)(?: \(\d+\))?\.(?:txt|zip)$",
    re.IGNORECASE,
)


def chat_name_from_filename(name: str) -> str | None:
    m = CHAT_FILE_NAME_RE.match(os.path.basename(name))
    return m.group("name").strip() if m else None


@dataclass
class ExportSource:
    """One export file opened for parsing."""

    path: str
    display: str
    kind: str  # "txt" | "zip"
    size: int
    sha256: str = ""
    encoding: str = "utf-8"
    chat_member: str | None = None
    members: dict[str, MemberInfo] = field(default_factory=dict)
    media_dir: str | None = None  # for a .txt export: the folder its media may sit in
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    _zip: zipfile.ZipFile | None = None

    # -------------------------------------------------------------------- raw bytes
    def raw_blocks(self) -> Iterator[bytes]:
        if self.kind == "zip":
            assert self._zip is not None
            info = self._zip.getinfo(self.chat_member or "")
            yield from member_stream(self._zip, info, self.display, self.limits)
        else:
            with open(self.path, "rb") as fh:
                while True:
                    data = fh.read(CHUNK)
                    if not data:
                        break
                    yield data

    def text_chunks(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[str]:
        """Decoded text in chunks that end with a newline (the last one may not)."""
        if self.encoding == "utf-8":
            return self._utf8_chunks(on_bytes)
        return self._decoded_chunks(on_bytes)

    def led_chunks(self, on_bytes: Callable[[int], None] | None = None) -> Iterator[str]:
        """The chunks of :meth:`text_chunks`, each led by a newline and without its own
        final newline: ``"\\n" + chunk[:-1]`` (``"\\n" + chunk`` for a last chunk that has
        none), the form the parser splits at ``\\n<header>``; ``count("\\n")`` of each is
        the number of lines it holds."""
        if self.encoding == "utf-8":
            yield from self._utf8_chunks(on_bytes, led=True)
            return
        for chunk in self._decoded_chunks(on_bytes):
            yield "\n" + chunk.removesuffix("\n")

    def _utf8_chunks(self, on_bytes: Callable[[int], None] | None, led: bool = False) -> Iterator[str]:
        """:meth:`text_chunks` for UTF-8: the bytes are cut after their last newline and
        each piece is decoded whole (a newline byte never sits inside a UTF-8 character, so
        the chunks, the errors and their offsets are those of the incremental decoder in
        :meth:`_decoded_chunks`, with less copying)."""
        # ``carry`` holds the bytes after the last newline seen; with ``led`` it starts with
        # that newline (or with one put there for the first chunk), which then leads the
        # next chunk: nothing is copied to add it.  ``base`` is the file offset of the
        # first byte of ``carry`` that is file content.
        lead = 1 if led else 0
        base = 0
        lines_before = 0  # newlines in the file before offset ``base``
        carry = b"\n" if led else b""
        first = True
        for block in self.raw_blocks():
            if on_bytes:
                on_bytes(len(block))
            if first:
                first = False
                if block.startswith(codecs.BOM_UTF8):
                    block = block[3:]
                    base = 3
            data = carry + block if carry else block
            cut = data.rfind(b"\n", lead)
            if cut < 0:
                carry = data
                continue
            try:
                chunk = data[: cut if led else cut + 1].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._utf8_error(exc, base - lead, lines_before, data, lead) from None
            lines_before += data.count(b"\n", lead, cut + 1)
            carry = data[cut:] if led else data[cut + 1 :]
            base += cut + 1 - lead
            yield chunk
        if len(carry) > lead:
            try:
                rest = carry.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.reason == "unexpected end of data":
                    raise DecodeError(
                        f"the file ends in the middle of a {self.encoding} character",
                        source=self.display,
                        offset=base + len(carry) - lead,
                        line=lines_before + 1,
                    ) from None
                raise self._utf8_error(exc, base - lead, lines_before, carry, lead) from None
            yield rest

    def _utf8_error(self, exc: UnicodeDecodeError, base: int, lines: int, data: bytes, lead: int) -> DecodeError:
        """``base``: the file offset of ``data[0]``; ``lines``: newlines before ``data[lead]``."""
        return DecodeError(
            f"bytes that are not valid {self.encoding} (try --encoding if the export was re-saved in another encoding)",
            source=self.display,
            offset=base + exc.start,
            line=lines + data.count(b"\n", lead, exc.start) + 1,
        )

    def _decoded_chunks(self, on_bytes: Callable[[int], None] | None) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        consumed = 0  # raw bytes fed to the decoder before this block
        lines_before = 0
        carry = ""
        first = True
        for block in self.raw_blocks():
            if on_bytes:
                on_bytes(len(block))
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise self._decode_error(exc, consumed - pending, lines_before + carry.count("\n"), block, pending) from None
            consumed += len(block)
            if first:
                first = False
                if text.startswith("\ufeff"):
                    text = text[1:]
            text = carry + text
            cut = text.rfind("\n")
            if cut < 0:
                carry = text
                continue
            carry = text[cut + 1 :]
            chunk = text[: cut + 1]
            lines_before += chunk.count("\n")
            yield chunk
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise DecodeError(
                f"the file ends in the middle of a {self.encoding} character",
                source=self.display,
                offset=consumed,
                line=lines_before + carry.count("\n") + 1,
            ) from None
        if first and tail.startswith("\ufeff"):
            tail = tail[1:]
        rest = carry + tail
        if rest:
            yield rest

    def _decode_error(self, exc: UnicodeDecodeError, base: int, lines: int, block: bytes, pending: int) -> DecodeError:
        offset = base + exc.start
        good = exc.object[: exc.start]
        try:
            lines += good.decode(self.encoding, errors="replace").count("\n")
        except LookupError:  # pragma: no cover - encoding vanished
            pass
        return DecodeError(
            f"bytes that are not valid {self.encoding} (try --encoding if the export was re-saved in another encoding)",
            source=self.display,
            offset=offset,
            line=lines + 1,
        )

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _sniff_encoding(head: bytes, display: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    if b"\x00" in head:
        sample = head[: 4096 - (len(head[:4096]) % 2)]
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = max(1, len(sample) // 2)
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
        pos = head.index(b"\x00")
        raise BinaryInputError("this is a binary file, not a chat export (NUL byte)", source=display, offset=pos)
    ctrl = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    if head and ctrl > 0.05 * min(len(head), 4096):
        pos = next(i for i, b in enumerate(head) if b < 9 or 13 < b < 32)
        raise BinaryInputError("this is a binary file, not a chat export (control bytes)", source=display, offset=pos)
    return "utf-8"


def _hash_file(path: str, progress: Callable[[int], None] | None = None) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        while True:
            data = fh.read(CHUNK)
            if not data:
                break
            h.update(data)
            n += len(data)
            if progress:
                progress(len(data))
    return h.hexdigest(), n


def _pick_chat_member(zf: zipfile.ZipFile, files: list[zipfile.ZipInfo], display: str) -> zipfile.ZipInfo:
    def usable(info: zipfile.ZipInfo) -> bool:
        name = info.filename.replace("\\", "/")
        base = name.rsplit("/", 1)[-1]
        return (
            base.lower().endswith(".txt")
            and not name.startswith("__MACOSX/")
            and "/__MACOSX/" not in name
            and not base.startswith("._")
        )

    texts = [i for i in files if usable(i)]
    if not texts:
        raise ArchiveError("the zip holds no chat transcript (.txt)", source=display)
    for info in texts:
        if info.filename.rsplit("/", 1)[-1] == "_chat.txt":
            return info
    named = [i for i in texts if chat_name_from_filename(i.filename)]
    if len(named) == 1:
        return named[0]
    if len(texts) == 1:
        return texts[0]
    # Several candidates: the one whose first kilobytes look like a transcript.
    from chatwarden.ingest.formats import SCAN_RE

    best, best_hits = None, -1
    for info in named or texts:
        try:
            with zf.open(info) as fh:
                head = fh.read(16384)
        except Exception:  # noqa: BLE001 - a broken member simply is not the transcript
            continue
        text = head.decode("utf-8", errors="replace")
        hits = sum(len(rx.findall(text)) for rx in SCAN_RE.values())
        if hits > best_hits:
            best, best_hits = info, hits
    if best is None:
        raise ArchiveError("the zip holds no readable chat transcript", source=display)
    return best


def open_source(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    limits: ArchiveLimits | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportSource:
    """Open an export for parsing: check it, hash it, find the transcript."""
    p = Path(path)
    display = str(path)
    limits = limits or ArchiveLimits()
    if not p.exists():
        raise InputError("no such file", source=display)
    if p.is_dir():
        raise InputError("is a folder; give the exported .txt or .zip file", source=display)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or type(exc).__name__})", source=display) from None
    if size == 0:
        raise EmptyExportError("the export is empty (0 bytes)", source=display)
    if head.startswith(ZIP_MAGIC):
        return _open_zip_source(p, display, size, encoding, limits, progress)
    if p.suffix.lower() == ".zip":
        raise ArchiveError("has a .zip name but is not a zip archive", source=display, offset=0)
    sha, _ = _hash_file(str(p), progress)
    enc = encoding or _sniff_encoding(head, display)
    _check_not_blank(head, enc, size, display)
    return ExportSource(
        path=str(p), display=display, kind="txt", size=size, sha256=sha, encoding=_codec(enc, display),
        media_dir=str(p.parent), limits=limits,
    )


def _codec(enc: str, display: str) -> str:
    try:
        return codecs.lookup(enc).name
    except LookupError:
        raise InputError(f"unknown text encoding {enc!r}", source=display) from None


def _check_not_blank(head: bytes, enc: str, size: int, display: str) -> None:
    if size > len(head):
        return
    try:
        text = head.decode(enc, errors="replace")
    except LookupError:
        return
    if not text.replace("\ufeff", "").strip():
        raise EmptyExportError("the export holds no text (only whitespace or a byte-order mark)", source=display)


def _open_zip_source(
    p: Path,
    display: str,
    size: int,
    encoding: str | None,
    limits: ArchiveLimits,
    progress: Callable[[int], None] | None,
) -> ExportSource:
    sha, _ = _hash_file(str(p), progress)
    zf = open_zip(str(p), display)
    try:
        files = check_members(zf, display, limits)
        chat = _pick_chat_member(zf, files, display)
        members = hash_members(zf, files, display, limits, progress)
        if members[chat.filename].size == 0:
            raise EmptyExportError("the chat transcript inside the zip is empty (0 bytes)", source=display)
        head = b""
        for block in member_stream(zf, chat, display, limits):
            head = block[:65536]
            break
        enc = encoding or _sniff_encoding(head, display)
        _check_not_blank(head, enc, members[chat.filename].size, display)
    except BaseException:
        zf.close()
        raise
    return ExportSource(
        path=str(p), display=display, kind="zip", size=size, sha256=sha, encoding=_codec(enc, display),
        chat_member=chat.filename, members=members, limits=limits, _zip=zf,
    )
