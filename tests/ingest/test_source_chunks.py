"""The UTF-8 fast path of :meth:`ExportSource.text_chunks` and :meth:`~ExportSource.led_chunks`
(bytes cut at their last newline, each piece decoded whole) against the incremental decoder
it replaces: the same chunks, or the same error with the same byte offset and line, for any
bytes and any block size (a BOM, characters and bad sequences cut across blocks, a file
ending mid-character)."""

from __future__ import annotations

import codecs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwarden.errors import DecodeError
from chatwarden.ingest.source import ExportSource

SETTINGS = settings(deadline=None, derandomize=True, max_examples=600,
                    suppress_health_check=[HealthCheck.too_slow])

PIECES = st.sampled_from([
    b"\n", b"\r\n", b"a", b"12/03/2021, 09:15 - ", b": ", "é".encode(), "€".encode(), "\U0001F6A8".encode(),
    "\u200e".encode(), codecs.BOM_UTF8, b"\xff", b"\xe2\x82", b"\xed\xa0\x80", b"\xc3", b"\x80", b"\xf0\x9f",
])


class _Blocks(ExportSource):
    """A source whose raw bytes come in blocks of a chosen size."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(path="-", display="test.txt", kind="txt", size=len(data))
        self._data, self._size = data, size

    def raw_blocks(self):
        for i in range(0, len(self._data), self._size):
            yield self._data[i : i + self._size]


def _outcome(chunks) -> tuple:
    seen: list[int] = []
    try:
        return ("ok", list(chunks(seen.append)), seen)
    except DecodeError as exc:
        # (the progress callback is left out: the fast path may have read one block more
        # before it meets a bad byte after the last newline of a block)
        return ("error", str(exc), exc.offset, exc.line)


@SETTINGS
@given(st.lists(PIECES, max_size=40).map(b"".join), st.integers(min_value=1, max_value=12), st.booleans())
def test_utf8_chunks_match_the_incremental_decoder(data: bytes, size: int, bom: bool) -> None:
    if bom:
        data = codecs.BOM_UTF8 + data
    src = _Blocks(data, size)
    assert src.encoding == "utf-8"
    assert _outcome(src._utf8_chunks) == _outcome(src._decoded_chunks)

    def led_reference(on_bytes):  # the led form, made from the incremental decoder's chunks
        for chunk in src._decoded_chunks(on_bytes):
            yield "\n" + chunk.removesuffix("\n")

    assert _outcome(src.led_chunks) == _outcome(led_reference)


def test_text_chunks_takes_the_fast_path_for_utf8_only() -> None:
    data = "x\ny\n".encode("utf-16-le")
    src = _Blocks(data, 4)
    src.encoding = "utf-16-le"
    assert list(src.text_chunks()) == ["x\n", "y\n"]
    assert list(src.led_chunks()) == ["\nx", "\ny"]
    src = _Blocks(codecs.BOM_UTF8 + b"a\nb", 3)
    assert list(src.text_chunks()) == ["a\n", "b"]
    assert list(src.led_chunks()) == ["\na", "\nb"]
