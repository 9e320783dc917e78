"""Safe reading of zip exports.

A zip from a phone is untrusted input.  Before anything is read we refuse member names that
are absolute or climb out of the archive (``..``), duplicate names, symbolic links and
encrypted members; while reading we count the bytes that actually come out and stop at the
configured caps on total size, member size and compression ratio (zip bombs), whatever the
archive's headers claim.  Every member is hashed (SHA-256) at capture.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from chatwarden.errors import ArchiveError, UnsafeArchiveError

READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Caps applied to every zip.  Defaults allow a large export with media (WhatsApp
    exports of several GB exist) but stop bombs: a member may not expand more than
    ``max_ratio`` times its compressed size once it is over ``ratio_floor`` bytes."""

    max_total_bytes: int = 16 * 1024**3
    max_member_bytes: int = 8 * 1024**3
    max_members: int = 100_000
    max_ratio: float = 200.0
    ratio_floor: int = 4 * 1024**2


@dataclass(frozen=True, slots=True)
class MemberInfo:
    name: str
    size: int
    sha256: str


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "contains a NUL byte"
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive:
        return "is an absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        return "climbs out of the archive (..)"
    return None


def open_zip(path: str, display: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, UnicodeDecodeError, ValueError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"not a readable zip archive ({type(exc).__name__})", source=display) from None
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive ({exc.strerror or type(exc).__name__})", source=display) from None


def check_members(zf: zipfile.ZipFile, display: str, limits: ArchiveLimits) -> list[zipfile.ZipInfo]:
    """Validate names and declared sizes of every member; return the file members."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeArchiveError(
            f"archive holds {len(infos)} members, more than the limit of {limits.max_members}", source=display
        )
    seen: set[str] = set()
    files: list[zipfile.ZipInfo] = []
    declared_total = 0
    for idx, info in enumerate(infos):
        problem = _unsafe_name(info.filename)
        if problem:
            raise UnsafeArchiveError(f"member #{idx + 1} {problem}; refusing the archive", source=display)
        key = info.filename.replace("\\", "/")
        if key in seen:
            raise UnsafeArchiveError(f"member #{idx + 1} duplicates an earlier member name", source=display)
        seen.add(key)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise UnsafeArchiveError(f"member #{idx + 1} is a symbolic link; refusing the archive", source=display)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"member #{idx + 1} is encrypted; export the chat again without a password", source=display)
        if info.file_size > limits.max_member_bytes:
            raise UnsafeArchiveError(
                f"member #{idx + 1} would expand to {info.file_size} bytes, over the limit of {limits.max_member_bytes}",
                source=display,
            )
        declared_total += info.file_size
        if declared_total > limits.max_total_bytes:
            raise UnsafeArchiveError(
                f"archive would expand to more than {limits.max_total_bytes} bytes (zip bomb?)", source=display
            )
        _check_ratio(info.file_size, info.compress_size, idx, display, limits)
        files.append(info)
    return files


def _check_ratio(size: int, csize: int, idx: int, display: str, limits: ArchiveLimits) -> None:
    if size > limits.ratio_floor and size > limits.max_ratio * max(csize, 1):
        raise UnsafeArchiveError(
            f"member #{idx + 1} expands {size / max(csize, 1):.0f} times (limit {limits.max_ratio:.0f}): zip bomb?",
            source=display,
        )


class GuardedReader:
    """Reads one member, counting real output bytes against the caps."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, idx: int, display: str,
                 limits: ArchiveLimits, budget: list[int]) -> None:
        self._zf = zf
        self._info = info
        self._idx = idx
        self._display = display
        self._limits = limits
        self._budget = budget  # shared remaining-total counter (one-element list)
        self.count = 0

    def blocks(self, block: int = READ_BLOCK) -> Iterator[bytes]:
        try:
            with self._zf.open(self._info) as fh:
                while True:
                    data = fh.read(block)
                    if not data:
                        break
                    self._account(len(data))
                    yield data
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError, zlib.error,
                UnicodeDecodeError, RuntimeError) as exc:
            if isinstance(exc, UnsafeArchiveError):
                raise
            raise ArchiveError(
                f"member #{self._idx + 1} cannot be decompressed ({type(exc).__name__})", source=self._display
            ) from None

    def _account(self, n: int) -> None:
        self.count += n
        lim = self._limits
        if self.count > self._info.file_size and self.count > lim.ratio_floor:
            raise UnsafeArchiveError(
                f"member #{self._idx + 1} produces more bytes than its header declares: zip bomb?", source=self._display
            )
        if self.count > lim.max_member_bytes:
            raise UnsafeArchiveError(f"member #{self._idx + 1} exceeds {lim.max_member_bytes} bytes", source=self._display)
        self._budget[0] -= n
        if self._budget[0] < 0:
            raise UnsafeArchiveError(
                f"archive expands to more than {lim.max_total_bytes} bytes (zip bomb?)", source=self._display
            )
        _check_ratio(self.count, self._info.compress_size, self._idx, self._display, lim)


def hash_members(
    zf: zipfile.ZipFile,
    files: list[zipfile.ZipInfo],
    display: str,
    limits: ArchiveLimits,
    progress: Callable[[int], None] | None = None,
) -> dict[str, MemberInfo]:
    """SHA-256 and real size of every member, read once under the caps."""
    budget = [limits.max_total_bytes]
    out: dict[str, MemberInfo] = {}
    index = {id(info): i for i, info in enumerate(zf.infolist())}
    for info in files:
        h = hashlib.sha256()
        reader = GuardedReader(zf, info, index[id(info)], display, limits, budget)
        for data in reader.blocks():
            h.update(data)
            if progress:
                progress(len(data))
        out[info.filename] = MemberInfo(info.filename, reader.count, h.hexdigest())
    return out


def member_stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, limits: ArchiveLimits) -> Iterator[bytes]:
    idx = zf.infolist().index(info)
    return GuardedReader(zf, info, idx, display, limits, [limits.max_total_bytes]).blocks()


def open_member(zf: zipfile.ZipFile, name: str) -> IO[bytes]:
    return zf.open(name)
