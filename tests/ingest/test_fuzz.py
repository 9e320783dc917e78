"""Hostile and broken input: the parser either reads it, accounting for every line, or raises
a :class:`~chatwarden.errors.ChatwardenError` whose message is one line naming the file.

(a) arbitrary bytes as a .txt, as a .zip and as the transcript inside a zip; (b) real exports
from ``../shared/corpus/whatsapp`` with bytes flipped, cut short, lines duplicated, deleted or
swapped, NUL and CR inserted; (c) hostile zips (path traversal, absolute names, a bomb, a
member that lies about its size, encryption, no transcript, an empty transcript, a nested
zip ...); (d) bad inputs (empty, binary, invalid UTF-8 at a known offset, UTF-16 with and
without BOM, a folder, a missing file).  The damaged-zip, deflate, zip-version, member-name and
leading-blank-line tests began as strict xfails for parser bugs these tests found (fixed in c56b641).
"""

from __future__ import annotations

import codecs
import io
import struct
import tempfile
import zipfile
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chatwarden.errors import (
    ArchiveError,
    BinaryInputError,
    ChatwardenError,
    DecodeError,
    EmptyExportError,
    InputError,
    NotAnExportError,
    UnsafeArchiveError,
)
from chatwarden.ingest import ArchiveLimits, parse_export
from chatwarden.ingest.render import STYLES, ChatEntry, media_file_name, render_chat, render_zip

SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
LINE_WARNINGS = ("unparsed", "unparsed-timestamp", "blank-line")


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------
def parse_or_error(path: Path, **kw):
    """The parse result, or the ChatwardenError raised (checked to be one line naming the
    file).  Any other exception propagates and fails the test."""
    try:
        return parse_export(path, **kw)
    except ChatwardenError as exc:
        text = str(exc)
        assert "\n" not in text, f"error message spans lines: {text!r}"
        assert str(path) in text, f"error message does not name the file: {text!r}"
        return exc


def transcript_bytes(path: Path, chat) -> bytes:
    if chat.chat_member:
        with zipfile.ZipFile(path) as zf:
            return zf.read(chat.chat_member)
    return path.read_bytes()


def assert_every_line_accounted(path: Path, result) -> None:
    """Each input line is in exactly one message or one line warning, in order."""
    chat, msgs, warns = result
    text = codecs.decode(transcript_bytes(path, chat), chat.encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    n = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    assert chat.lines == n, (chat.lines, n)
    seen = [ln for m in msgs for ln in range(m.line, m.end_line + 1)]
    seen += [w.line for w in warns if w.code in LINE_WARNINGS]
    assert sorted(seen) == list(range(1, n + 1)), "lines missing or counted twice"
    assert all(m.end_line >= m.line for m in msgs)
    assert [m.line for m in msgs] == sorted(m.line for m in msgs)


def zip_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def patch_central(data: bytes, index: int, **fields: int) -> bytes:
    """Overwrite fields of the ``index``-th central directory record (and, for ``flags``,
    of its local header too): flags, version_needed, crc, csize, usize."""
    out = bytearray(data)
    pos = -1
    for _ in range(index + 1):
        pos = out.index(b"PK\x01\x02", pos + 1)
    layout = {"version_needed": (6, "<H"), "flags": (8, "<H"), "crc": (16, "<I"), "csize": (20, "<I"),
              "usize": (24, "<I")}
    for key, value in fields.items():
        off, fmt = layout[key]
        struct.pack_into(fmt, out, pos + off, value)
    if "flags" in fields:
        local = struct.unpack_from("<I", out, pos + 42)[0]
        struct.pack_into("<H", out, local + 6, fields["flags"])
    return bytes(out)


CHAT = "".join(
    f"27/03/2022, 21:{40 + i:02d} - {('Alice', 'Bob')[i % 2]}: message {i} caf\u00e9\n" for i in range(12)
).encode()


# ------------------------------------------------------------------------------------------
# (a) arbitrary bytes
# ------------------------------------------------------------------------------------------
PREFIXES = [
    b"", b"[3/27/22, 21:41:35] A: ", b"27/03/2022, 21:41 - ", b"\xff\xfe", b"\xfe\xff", codecs.BOM_UTF8,
    b"PK\x03\x04", b"PK\x05\x06" + bytes(18), "[\u0662\u0667\u200f/\u0663\u200f/\u0662\u0660\u0662\u0662\u060c "
    "\u0669:\u0664\u0661:\u0663\u0665\u00a0\u0645] ".encode(), b"27/03/2022, 21:41 - A: hi\n",
]
blobs = st.builds(lambda p, b: p + b, st.sampled_from(PREFIXES), st.binary(max_size=2048))


@settings(SETTINGS, max_examples=500)
@given(blobs)
def test_arbitrary_bytes_never_raise_anything_else(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in (
            ("export.txt", data),
            ("export.zip", data),
            ("inner.zip", zip_bytes([("_chat.txt", data)])),
            ("stored.zip", zip_bytes([("WhatsApp Chat with X.txt", data)], zipfile.ZIP_STORED)),
        ):
            path = Path(tmp) / name
            path.write_bytes(content)
            result = parse_or_error(path)
            event(f"{name}: {type(result).__name__ if isinstance(result, ChatwardenError) else 'parsed'}")
            if not isinstance(result, ChatwardenError):
                assert_every_line_accounted(path, result)


# ------------------------------------------------------------------------------------------
# (b) mutated real exports
# ------------------------------------------------------------------------------------------
def _corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.rglob("*") if p.suffix in (".txt", ".zip") and p.stat().st_size > 0)


@st.composite
def mutations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "truncate", "dup", "delete", "nul", "cr", "swap", "insert"]))
        ops.append((op, draw(st.floats(0, 1)), draw(st.floats(0, 1)), draw(st.integers(0, 255))))
    return ops


def mutate(data: bytes, ops) -> bytes:
    for op, a, b, byte in ops:
        lines = data.split(b"\n")
        i, j = int(a * (len(lines) - 1)), int(b * (len(lines) - 1))
        pos = int(a * len(data))
        if op == "flip" and data:
            pos = min(pos, len(data) - 1)
            data = data[:pos] + bytes([data[pos] ^ (1 << (byte % 8))]) + data[pos + 1 :]
        elif op == "truncate":
            data = data[:pos]
        elif op == "dup":
            lines.insert(i, lines[j])
            data = b"\n".join(lines)
        elif op == "delete" and len(lines) > 1:
            del lines[i]
            data = b"\n".join(lines)
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif op == "nul":
            data = data[:pos] + b"\x00" + data[pos:]
        elif op == "cr":
            data = data[:pos] + b"\r" + data[pos:]
        elif op == "insert":
            data = data[:pos] + bytes([byte]) * (1 + int(b * 3)) + data[pos:]
    return data


@pytest.mark.shared
@settings(SETTINGS, max_examples=1000)
@given(data=st.data())
def test_mutated_real_exports_parse_or_fail_cleanly(corpus_dir: Path, data):
    source = data.draw(st.sampled_from(_corpus_files(corpus_dir)))
    raw = source.read_bytes()
    name = "_chat.txt"
    if source.suffix == ".zip":  # mutate the transcript, keep the media
        with zipfile.ZipFile(source) as zf:
            members = [(i.filename, zf.read(i)) for i in zf.infolist() if not i.is_dir()]
        name = next(n for n, _ in members if n.endswith(".txt") and not n.startswith("__MACOSX"))
        raw = dict(members)[name]
    mutated = mutate(raw, data.draw(mutations()))
    with tempfile.TemporaryDirectory() as tmp:
        if source.suffix == ".zip":
            path = Path(tmp) / source.name
            path.write_bytes(zip_bytes([(n, mutated if n == name else d) for n, d in members]))
        else:
            path = Path(tmp) / source.name
            path.write_bytes(mutated)
        result = parse_or_error(path)
        event(type(result).__name__ if isinstance(result, ChatwardenError) else "parsed")
        if not isinstance(result, ChatwardenError):
            assert_every_line_accounted(path, result)


@settings(SETTINGS, max_examples=300)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_zips_with_damaged_bytes_fail_cleanly(flips):
    style = STYLES["android-dmy-slash-comma-yyyy"]
    t = datetime(2022, 3, 27, 21, 41)
    name = media_file_name(style, t, 1)
    entries = [ChatEntry(t + timedelta(minutes=i), ("Alice", "Bob")[i % 2], f"message {i} " * i) for i in range(30)]
    entries.append(ChatEntry(t + timedelta(hours=1), "Bob", kind="attachment", attachment=name))
    data = bytearray(render_zip(entries, style, {name: bytes(range(256)) * 4}))
    for where, byte in flips:
        data[min(int(where * len(data)), len(data) - 1)] = byte
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.zip"
        path.write_bytes(bytes(data))
        result = parse_or_error(path)
        if not isinstance(result, ChatwardenError):
            assert_every_line_accounted(path, result)


# ------------------------------------------------------------------------------------------
# (c) hostile zips
# ------------------------------------------------------------------------------------------
def _expect(tmp_path: Path, data: bytes, error: type[ChatwardenError], words: str, name: str = "export.zip", **kw):
    path = tmp_path / name
    path.write_bytes(data)
    result = parse_or_error(path, **kw)
    assert isinstance(result, error), f"expected {error.__name__}, got {result!r}"
    assert words in str(result), str(result)
    return result


@pytest.mark.parametrize("member, words", [
    ("../x.txt", "climbs out of the archive"),
    ("media/../../x.jpg", "climbs out of the archive"),
    ("..\\x.txt", "climbs out of the archive"),
    ("/etc/passwd.txt", "absolute path"),
    ("C:\\Windows\\x.txt", "absolute path"),
    ("\\\\server\\share\\x.txt", "absolute path"),
])
def test_path_traversal_and_absolute_names_are_refused(tmp_path, member, words):
    data = zip_bytes([("_chat.txt", CHAT), (member, b"x")])
    err = _expect(tmp_path, data, UnsafeArchiveError, words)
    assert "member #2" in str(err)


def test_zip_bomb_is_refused_before_it_is_read(tmp_path):
    # 32 MiB of zeros deflate to ~32 KiB (ratio ~1000, limit 200); written in 1 MiB pieces.
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("_chat.txt", CHAT)
        with zf.open("IMG-20220327-WA0001.jpg", "w") as fh:
            chunk = bytes(1 << 20)
            for _ in range(32):
                fh.write(chunk)
    assert path.stat().st_size < 200_000
    result = parse_or_error(path)
    assert isinstance(result, UnsafeArchiveError) and "zip bomb" in str(result) and "member #2" in str(result)


def test_zip_bomb_as_the_transcript_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open("_chat.txt", "w") as fh:
        fh.write(CHAT)
        for _ in range(16):
            fh.write(b" " * (1 << 20))
    result = parse_or_error(path)
    assert isinstance(result, UnsafeArchiveError) and "zip bomb" in str(result)


def test_member_that_claims_fewer_bytes_than_it_holds(tmp_path):
    data = zip_bytes([("_chat.txt", CHAT), ("IMG-1.jpg", bytes(300_000))])
    lying = patch_central(data, 1, usize=1000)
    _expect(tmp_path, lying, ArchiveError, "member #2 cannot be decompressed")


def test_member_that_claims_more_bytes_than_it_holds(tmp_path):
    data = zip_bytes([("_chat.txt", CHAT), ("IMG-1.jpg", b"small")])
    lying = patch_central(data, 1, usize=0xFFFF_FFF0)
    _expect(tmp_path, lying, UnsafeArchiveError, "zip bomb")


def test_archive_caps_on_members_and_total_size(tmp_path):
    members = [("_chat.txt", CHAT)] + [(f"IMG-{i}.jpg", b"x" * 100) for i in range(20)]
    _expect(tmp_path, zip_bytes(members), UnsafeArchiveError, "more than the limit of 10",
            limits=ArchiveLimits(max_members=10))
    _expect(tmp_path, zip_bytes(members), UnsafeArchiveError, "more than 1000 bytes",
            limits=ArchiveLimits(max_total_bytes=1000))


def test_encrypted_member_is_refused(tmp_path):
    data = patch_central(zip_bytes([("_chat.txt", CHAT)]), 0, flags=0x1)
    _expect(tmp_path, data, ArchiveError, "encrypted")


def test_symbolic_link_member_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("_chat.txt", CHAT)
        link = zipfile.ZipInfo("IMG-1.jpg")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    _expect(tmp_path, buf.getvalue(), UnsafeArchiveError, "symbolic link")


def test_duplicate_member_names_are_refused(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = zip_bytes([("_chat.txt", CHAT), ("_chat.txt", b"27/03/2022, 21:41 - Mallory: forged\n")])
    _expect(tmp_path, data, UnsafeArchiveError, "duplicates")


@pytest.mark.parametrize("members, error, words", [
    ([("IMG-1.jpg", b"\xff\xd8")], ArchiveError, "no chat transcript"),
    ([("__MACOSX/._chat.txt", CHAT)], ArchiveError, "no chat transcript"),
    ([("inner.zip", zip_bytes([("_chat.txt", CHAT)]))], ArchiveError, "no chat transcript"),
    ([("_chat.txt", b"")], EmptyExportError, "empty"),
    ([("_chat.txt", codecs.BOM_UTF8 + b"  \r\n")], EmptyExportError, "holds no text"),
    ([("_chat.txt", b"just some notes\nnothing else\n")], NotAnExportError, "no WhatsApp message header"),
])
def test_zips_without_a_usable_transcript(tmp_path, members, error, words):
    _expect(tmp_path, zip_bytes(members), error, words)


def test_nested_zip_beside_the_transcript_is_just_a_member(tmp_path):
    inner = zip_bytes([("_chat.txt", b"27/03/2022, 21:41 - Mallory: not this one\n")])
    path = tmp_path / "export.zip"
    path.write_bytes(zip_bytes([("WhatsApp Chat with Ops.txt", CHAT), ("old-export.zip", inner)]))
    chat, msgs, warns = parse_export(path)
    assert chat.chat_member == "WhatsApp Chat with Ops.txt" and len(msgs) == 12
    assert {m.name for m in chat.media} == {"old-export.zip"}
    assert [w.code for w in warns] == ["media-unreferenced"]


@pytest.mark.parametrize("data, words", [
    (b"this is not a zip archive at all", "not a zip archive"),
    (b"PK\x03\x04" + bytes(40), "not a readable zip archive"),
])
def test_things_named_zip_that_are_not_zips(tmp_path, data, words):
    _expect(tmp_path, data, ArchiveError, words)


def test_truncated_zip(tmp_path):
    data = zip_bytes([("_chat.txt", CHAT), ("IMG-1.jpg", bytes(range(256)) * 40)])
    _expect(tmp_path, data[: len(data) // 2], ArchiveError, "zip")


def _deflate_damaged_zip() -> bytes:
    data = bytearray(zip_bytes([("_chat.txt", CHAT * 20)]))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    start = info.header_offset + 30 + len(info.filename)
    # Overwrite the middle of the deflate stream with bytes that are not valid deflate
    # codes ("invalid distance too far back" / "invalid code lengths").
    for k in range(start + info.compress_size // 3, start + info.compress_size // 3 + 24):
        data[k] = 0xFF
    return bytes(data)


def test_corrupt_deflate_data_is_an_archive_error(tmp_path):
    _expect(tmp_path, _deflate_damaged_zip(), ArchiveError, "member #1")


def test_unsupported_zip_version_is_an_archive_error(tmp_path):
    data = patch_central(zip_bytes([("_chat.txt", CHAT)]), 0, version_needed=100)
    _expect(tmp_path, data, ArchiveError, "zip")


def test_member_name_that_is_not_utf8_is_an_archive_error(tmp_path):
    data = zip_bytes([("_chat.txt", CHAT), ("IMG-\u00e9.jpg", b"x")])
    data = patch_central(data, 1, flags=0x800)
    data = data.replace("IMG-\u00e9.jpg".encode(), b"IMG-\xff\xfe.jpg")
    _expect(tmp_path, data, ArchiveError, "zip")


def _write(tmp_path: Path, data: bytes, name: str = "export.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------------
# (d) bad inputs
# ------------------------------------------------------------------------------------------
def _png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes([x * 8 % 256, 0, 255 - x]) * 16 for x in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, error, words", [
    (b"", EmptyExportError, "empty (0 bytes)"),
    (codecs.BOM_UTF8, EmptyExportError, "holds no text"),
    (b"\n\n  \r\n\t\n", EmptyExportError, "holds no text"),
    (codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), EmptyExportError, "holds no text"),
    (_png(), BinaryInputError, "binary file"),
    (b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00>\x00", BinaryInputError, "binary file"),
    (b"Dear diary,\nnothing happened today.\n", NotAnExportError, "no WhatsApp message header"),
])
def test_bad_files(tmp_path, data, error, words):
    _expect(tmp_path, data, error, words, name="export.txt")


@pytest.mark.parametrize("line_no", [1, 2, 7, 12])
def test_invalid_utf8_names_the_byte_offset_and_line(tmp_path, line_no):
    lines = CHAT.split(b"\n")
    prefix = b"\n".join(lines[: line_no - 1]) + (b"\n" if line_no > 1 else b"")
    bad = prefix + lines[line_no - 1][:25] + b"\xff\xfe" + lines[line_no - 1][25:] + b"\n" + b"\n".join(lines[line_no:])
    offset = len(prefix) + 25
    err = _expect(tmp_path, bad, DecodeError, f"line {line_no}, byte {offset}", name="export.txt")
    assert (err.line, err.offset) == (line_no, offset)


def test_invalid_utf8_far_into_a_big_file(tmp_path):
    # past the first 1 MiB read block, inside a multi-byte character cut by the block edge
    body = CHAT * 12_000
    offset = (1 << 20) + 3
    bad = body[:offset] + b"\xe2\x82" + body[offset:]
    err = _expect(tmp_path, bad, DecodeError, f"byte {offset}", name="export.txt")
    assert err.line == body[:offset].count(b"\n") + 1


def test_export_cut_inside_a_character(tmp_path):
    err = _expect(tmp_path, CHAT + "27/03/2022, 22:00 - Bob: \u00e9".encode()[:-1], DecodeError,
                  "ends in the middle", name="export.txt")
    assert err.line == 13


@pytest.mark.parametrize("encoding, bom", [
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-le", b""), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-be", b""),
    ("utf-8", codecs.BOM_UTF8),
])
@pytest.mark.parametrize("style", ["android-dmy-slash-comma-yyyy", "ios-mdy-comma", "ios-arabic"])
def test_utf16_and_bom_exports_parse_like_utf8(tmp_path, encoding, bom, style):
    st_ = STYLES[style]
    t = datetime(2022, 3, 27, 21, 41, 35)
    entries = [ChatEntry(t + timedelta(minutes=i), ("Alice", "+44 7700 900123")[i % 2],
                         f"h\u00e9llo {i} \U0001F44D\nsecond line \u0645\u0631\u062d\u0628\u0627") for i in range(6)]
    text = render_chat(entries, st_).decode("utf-8")
    (tmp_path / "ref.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "other.txt").write_bytes(bom + text.encode(encoding))
    ref = parse_export(tmp_path / "ref.txt")
    got = parse_export(tmp_path / "other.txt")
    assert got[0].encoding == encoding
    assert [(m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line) for m in got[1]] == [
        (m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line) for m in ref[1]]
    assert got[2] == ref[2] == []
    assert_every_line_accounted(tmp_path / "other.txt", got)


def test_a_folder_and_a_missing_file(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    err = parse_or_error(folder)
    assert isinstance(err, InputError) and "is a folder" in str(err)
    err = parse_or_error(tmp_path / "missing.txt")
    assert isinstance(err, InputError) and "no such file" in str(err)


def test_the_cli_reports_one_line_and_exit_code_2(tmp_path):
    from chatwarden.cli import main

    runner = CliRunner()
    cases = [tmp_path / "missing.txt", _write(tmp_path, b"", "empty.txt"),
             _write(tmp_path, zip_bytes([("../x.txt", CHAT)]), "evil.zip"), _write(tmp_path, _png(), "photo.txt")]
    for path in cases:
        res = runner.invoke(main, ["parse", str(path), "--format", "jsonl"])
        assert res.exit_code == 2, (path, res.output)
        assert res.output.count("\n") == 1 and res.output.startswith("chatwarden: error: ") and str(path) in res.output


def test_single_leading_blank_line_is_accounted(tmp_path):
    path = _write(tmp_path, b"\n27/03/2022, 21:41 - Alice: hi\n", "export.txt")
    assert_every_line_accounted(path, parse_export(path))
