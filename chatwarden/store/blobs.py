"""Content-addressed files (original exports, media, evidence packages' parts).

A blob is stored once under ``blobs/<aa>/<sha256>``.  Writing happens in two steps so a
crash never leaves the database pointing at a missing file: the content is written to
``blobs/tmp/<sha256>.<nonce>.part`` inside the transaction, renamed into place after the
commit, and on the next start any ``.part`` left behind is either finished (its hash is
referenced by the database) or deleted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, select

CHUNK = 1 << 20


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def stage_stream(self, conn: Connection, chunks: Iterable[bytes], expected: str | None = None) -> str:
        """Write a stream to a staging file; return its SHA-256."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        part = self.tmp / f"{uuid.uuid4().hex}.part"
        h = hashlib.sha256()
        with open(part, "wb") as fh:
            for block in chunks:
                h.update(block)
                fh.write(block)
            fh.flush()
            os.fsync(fh.fileno())
        digest = h.hexdigest()
        if expected is not None and digest != expected:
            part.unlink(missing_ok=True)
            from chatwarden.errors import IntegrityError

            raise IntegrityError("content changed while it was being stored (hash mismatch)")
        if self.exists(digest):
            part.unlink(missing_ok=True)
            return digest
        final_part = self.tmp / f"{digest}.{uuid.uuid4().hex[:8]}.part"
        part.rename(final_part)
        conn.info.setdefault("staged_blobs", []).append(final_part)
        return digest

    def stage_file(self, conn: Connection, path: str | os.PathLike[str], expected: str | None = None) -> str:
        def chunks() -> Iterator[bytes]:
            with open(path, "rb") as fh:
                while True:
                    block = fh.read(CHUNK)
                    if not block:
                        return
                    yield block

        return self.stage_stream(conn, chunks(), expected)

    def publish(self, staged: list[Path]) -> None:
        for part in staged:
            digest = part.name.split(".", 1)[0]
            final = self.path(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                part.unlink(missing_ok=True)
            else:
                os.replace(part, final)
        staged.clear()

    def discard(self, staged: list[Path]) -> None:
        for part in staged:
            part.unlink(missing_ok=True)
        staged.clear()

    def recover(self, conn: Connection) -> None:
        """Finish or drop staging files left by a crash."""
        if not self.tmp.is_dir():
            return
        from chatwarden.store.tables import exports, media

        for part in self.tmp.glob("*.part"):
            digest = part.name.split(".", 1)[0]
            referenced = len(digest) == 64 and (
                conn.execute(select(exports.c.id).where(exports.c.blob == digest).limit(1)).first() is not None
                or conn.execute(select(media.c.id).where(media.c.sha256 == digest).limit(1)).first() is not None
            )
            if referenced and not self.exists(digest):
                self.publish([part])
            else:
                part.unlink(missing_ok=True)

    def open(self, sha256: str) -> IO[bytes]:
        return open(self.path(sha256), "rb")

    def copy_to(self, sha256: str, dest: str | os.PathLike[str]) -> None:
        shutil.copyfile(self.path(sha256), dest)

    def remove(self, sha256: str) -> bool:
        p = self.path(sha256)
        if p.exists():
            p.unlink()
            return True
        return False
