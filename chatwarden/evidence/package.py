"""Evidence packages: everything the Annex 1 playbook needs, in one folder or one zip.

Layout (every path is relative to the package root)::

    README.txt          what the package is and how to check it by hand
    original/<file>     the export, byte for byte (its SHA-256 must equal the one at capture)
    media/<name>        every media member of a zip export (or media found beside a .txt
                        export), re-hashed while copied; refused on any mismatch.  macOS
                        metadata members (``__MACOSX/``, ``._*``) are not media: they stay
                        only inside the original export
    transcript.html     readable transcript with findings marked (self-contained)
    transcript.pdf      the same as PDF (fonts embedded)
    chat.rsmf           RSMF 2.0.0 for review platforms
    messages.json       the parse output (chat, messages, parse warnings)
    decisions.json      the policy decisions, with their evidence
    custody.jsonl       chain of custody, one entry a line, ending with the packaging step
    SHA256SUMS          ``sha256sum -c`` list of every file above
    manifest.json       every file above with size and SHA-256, the export's SHA-256 at
                        capture, media provenance, creation time, tool version
    manifest.sha256     ``sha256sum`` line for manifest.json

Media member names are never trusted: only the cleaned last component of a name is used
(:mod:`chatwarden.evidence.names`), and ``manifest.json`` records which export member each
``media/`` file came from.

The zip form is deterministic: entries sorted by name, fixed timestamps (1980-01-01), fixed
permissions, so the same inputs (including ``created_at``) give the same bytes.

:func:`verify_package` re-checks a folder or zip: manifest digest, every listed file's size and
SHA-256, missing and unlisted files, and that the manifest agrees with itself (the export's
digest at capture, media digests).  It returns problems instead of raising, naming the first
bad file.  A package altered *together with* a recomputed manifest and manifest.sha256 can
only be caught against a digest kept elsewhere: pass ``expected_manifest_sha256`` (the store
keeps it) or ``expected_export_sha256``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import IO, Any

from chatwarden import __version__
from chatwarden.errors import InputError, IntegrityError
from chatwarden.evidence.custody import CustodyEntry, custody_jsonl, normalise_custody
from chatwarden.evidence.names import UniqueNames
from chatwarden.evidence.rsmf import build_rsmf
from chatwarden.evidence.transcript import render_html, render_pdf
from chatwarden.ingest.archive import ArchiveLimits, GuardedReader, check_members, open_zip
from chatwarden.model import Chat, Decision, Message, ParseWarning
from chatwarden.serialize import SCHEMA_VERSION, chat_dict, decision_dict, message_dict, warning_dict

__all__ = [
    "EVIDENCE_COM_FILE_LIMIT",
    "PACKAGE_FORMAT",
    "PackageInfo",
    "PackagedFile",
    "VerifyResult",
    "build_package",
    "verify_package",
]

PACKAGE_FORMAT = "chatwarden-evidence-package"
PACKAGE_FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
BLOCK = 1 << 20
EVIDENCE_COM_FILE_LIMIT = 4 * 1024**3  # Evidence.com imports files up to 4 GB each
MediaReader = Callable[[str], "bytes | None"]


@dataclass(frozen=True, slots=True)
class PackagedFile:
    path: str  # relative, "/"-separated
    size: int
    sha256: str
    role: str


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What :func:`build_package` wrote."""

    folder: Path | None
    zip_path: Path | None
    files: tuple[PackagedFile, ...]
    manifest_sha256: str
    export_sha256: str
    created_at: datetime
    custody: tuple[CustodyEntry, ...]
    zip_sha256: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :func:`verify_package` found.  ``problems`` are ``"<path>: <what>"`` lines, in
    the order found; ``first_bad`` is the package path of the first one."""

    ok: bool
    problems: tuple[str, ...] = ()
    first_bad: str | None = None
    checked: int = 0
    manifest_sha256: str | None = None
    bad_files: tuple[str, ...] = field(default=())


# ======================================================================== helpers
def _hash_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as fh:
        fh.write(data)


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _copy_hashing(src: IO[bytes] | Iterator[bytes], dest: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "xb") as out:
        blocks = src if not hasattr(src, "read") else iter(lambda: src.read(BLOCK), b"")  # type: ignore[union-attr]
        for block in blocks:
            h.update(block)
            n += len(block)
            out.write(block)
    return h.hexdigest(), n


@dataclass(frozen=True, slots=True)
class _Media:
    """One media file to put in ``media/``: where it comes from and its digest at capture."""

    member: str
    sha256: str
    size: int | None
    referenced: bool


def _media_list(chat: Chat, messages: Sequence[Message], kind: str) -> list[_Media]:
    if kind == "zip":
        return [_Media(m.name, m.sha256, m.size, m.referenced) for m in chat.media if not _macos_metadata(m.name)]
    seen: dict[str, _Media] = {}  # a .txt export: media the parser found beside it
    for msg in messages:
        for a in msg.attachments:
            if a.member and a.sha256 and not a.missing and not a.omitted and a.member not in seen:
                seen[a.member] = _Media(a.member, a.sha256, a.size, True)
    return list(seen.values())


def _macos_metadata(member: str) -> bool:
    """Finder's resource-fork copies (``__MACOSX/...``, ``._name``): not media; they stay
    inside the original export only."""
    name = member.replace("\\", "/")
    return name.startswith("__MACOSX/") or "/__MACOSX/" in name or name.rsplit("/", 1)[-1].startswith("._")


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


# ======================================================================== building
def build_package(
    out: str | os.PathLike[str],
    *,
    export_path: str | os.PathLike[str],
    chat: Chat,
    messages: Sequence[Message],
    decisions: Sequence[Decision],
    custody: Sequence[CustodyEntry],
    case_ref: str,
    created_by: str,
    media_reader: MediaReader | None = None,
    warnings: Sequence[ParseWarning] = (),
    custodian: str | None = None,
    created_at: datetime | None = None,
    form: str = "auto",
    title: str | None = None,
    tz: tzinfo | None = None,
    limits: ArchiveLimits | None = None,
) -> PackageInfo:
    """Write an evidence package for one export and return what was written.

    ``out`` is a folder to create (it must not exist, or be empty) or, with a ``.zip`` name,
    a zip file to create (it must not exist).  ``form`` is ``"auto"`` (by the name),
    ``"folder"``, ``"zip"`` or ``"both"`` (the folder ``out`` and the zip ``out + ".zip"``).

    The export must still hash to ``chat.sha256`` and every media file to the SHA-256
    recorded at capture, or :class:`~chatwarden.errors.IntegrityError` is raised and nothing
    is left behind.  ``media_reader(member)`` supplies media bytes when they are not to be
    read from the export itself (for instance a .txt export whose media the store kept); by
    default a zip export's members are read from the zip and a .txt export's media from the
    folder beside it.  ``custody`` entries are kept in order; one more entry, the packaging
    itself (``created_at``, ``created_by``), is appended.  ``custodian`` is the display name
    of the account the export came from (for the RSMF file).
    """
    export = Path(export_path)
    if not case_ref or not case_ref.strip() or any(ord(c) < 32 for c in case_ref):
        raise InputError("a case reference is required (plain text, one line)")
    if not created_by or not created_by.strip() or any(ord(c) < 32 for c in created_by):
        raise InputError("created_by is required (plain text, one line)")
    if created_at is None:
        created_at = datetime.now(UTC)
    elif created_at.tzinfo is None or created_at.utcoffset() is None:
        raise InputError("created_at has no time zone (give UTC)")
    created_at = created_at.astimezone(UTC)
    try:
        st = export.stat()
    except OSError:
        raise InputError("the export file cannot be read") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("the export path is not a regular file")
    msgs = list(messages)
    entries = normalise_custody(custody)
    entries.append(CustodyEntry(
        created_at, created_by, "packaged",
        f"evidence package for case {case_ref} made by chatwarden {__version__}; "
        f"export SHA-256 {chat.sha256}",
    ))

    target = Path(out)
    if form == "auto":
        form = "zip" if target.suffix.lower() == ".zip" else "folder"
    if form not in ("folder", "zip", "both"):
        raise InputError(f"unknown package form {form!r} (folder, zip, both)")
    folder = target if form in ("folder", "both") else None
    zip_path = target if form == "zip" else (Path(str(target) + ".zip") if form == "both" else None)
    if folder is not None and folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError("the package folder already exists and is not empty; evidence is never overwritten")
    if zip_path is not None and zip_path.exists():
        raise InputError("the package zip already exists; evidence is never overwritten")
    parent = (folder or zip_path).parent  # type: ignore[union-attr]
    parent.mkdir(parents=True, exist_ok=True)

    stage = Path(tempfile.mkdtemp(prefix=".chatwarden-package-", dir=parent))
    tmp_zip = None if zip_path is None else parent / (".partial-" + zip_path.name)
    try:
        info = _stage(
            stage, export, chat, msgs, decisions, entries, case_ref, created_by, created_at,
            media_reader, warnings, custodian, title, tz, limits or ArchiveLimits(),
        )
        zip_sha = None
        notes = list(info["warnings"])
        if zip_path is not None and tmp_zip is not None:
            tmp_zip.unlink(missing_ok=True)
            _write_zip(stage, info["paths"], tmp_zip)
            zip_sha, zip_size = _hash_file(tmp_zip)
            if zip_size > EVIDENCE_COM_FILE_LIMIT:
                notes.append(
                    f"the zip is {zip_size} bytes, over Evidence.com's 4 GB import limit: upload the folder's files"
                )
            os.replace(tmp_zip, zip_path)
        if folder is not None:
            if folder.exists():
                folder.rmdir()
            os.replace(stage, folder)
        return PackageInfo(
            folder=folder,
            zip_path=zip_path,
            files=tuple(info["files"]),
            manifest_sha256=info["manifest_sha256"],
            export_sha256=chat.sha256,
            created_at=created_at,
            custody=tuple(entries),
            zip_sha256=zip_sha,
            warnings=tuple(notes),
        )
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
        if tmp_zip is not None:
            tmp_zip.unlink(missing_ok=True)


def _stage(
    stage: Path,
    export: Path,
    chat: Chat,
    msgs: list[Message],
    decisions: Sequence[Decision],
    entries: list[CustodyEntry],
    case_ref: str,
    created_by: str,
    created_at: datetime,
    media_reader: MediaReader | None,
    warnings: Sequence[ParseWarning],
    custodian: str | None,
    title: str | None,
    tz: tzinfo | None,
    limits: ArchiveLimits,
) -> dict[str, Any]:
    files: dict[str, tuple[int, str, str]] = {}  # path -> (size, sha256, role)

    # 1. the export, byte for byte, and proof it is the one captured
    names = UniqueNames()
    original_rel = "original/" + names.take(export.name, default="export")
    with open(export, "rb") as fh:
        sha, size = _copy_hashing(fh, stage / original_rel)
    if sha != chat.sha256:
        raise IntegrityError("the export file no longer matches the SHA-256 recorded at capture")
    files[original_rel] = (size, sha, "original export")
    kind = "zip" if _is_zip(stage / original_rel) else "txt"

    # 2. media, re-hashed while copied
    media_names = UniqueNames()
    media_rows: list[dict[str, Any]] = []
    path_of_member: dict[str, str] = {}
    wanted = _media_list(chat, msgs, kind)
    zf = None
    try:
        if wanted and media_reader is None and kind == "zip":
            zf = open_zip(str(stage / original_rel), "export")
            check_members(zf, "export", limits)
        budget = [limits.max_total_bytes]
        index = {i.filename: n for n, i in enumerate(zf.infolist())} if zf is not None else {}
        for n, item in enumerate(wanted, 1):
            rel = "media/" + media_names.take(item.member, default=f"media-{n}")
            dest = stage / rel
            if media_reader is not None:
                data = media_reader(item.member)
                if data is None:
                    raise InputError(f"media member #{n} is not available from the media reader")
                got_sha, got_size = _copy_hashing(iter((data,)), dest)
            elif zf is not None:
                try:
                    zinfo = zf.getinfo(item.member)
                except KeyError:
                    raise IntegrityError(f"media member #{n} is not in the export recorded at capture") from None
                reader = GuardedReader(zf, zinfo, index[item.member], "export", limits, budget)
                got_sha, got_size = _copy_hashing(reader.blocks(), dest)
            else:
                beside = _beside(export, item.member)
                if beside is None:
                    raise InputError(f"media file #{n} is no longer beside the export")
                with open(beside, "rb") as fh:
                    got_sha, got_size = _copy_hashing(fh, dest)
            if got_sha != item.sha256 or (item.size is not None and got_size != item.size):
                raise IntegrityError(f"media member #{n} does not match the SHA-256 recorded at capture")
            files[rel] = (got_size, got_sha, "media")
            path_of_member[item.member] = rel
            media_rows.append({"path": rel, "export_member": item.member, "size": got_size,
                               "sha256_at_capture": item.sha256, "referenced": item.referenced})
    finally:
        if zf is not None:
            zf.close()

    def media_bytes(member: str) -> bytes | None:
        rel = path_of_member.get(member)
        return (stage / rel).read_bytes() if rel else None

    # 3. readable and machine-readable forms
    title = title or f"Chat transcript: case {case_ref}"
    html_doc = render_html(chat, msgs, decisions, title=title, custody=entries, case_ref=case_ref,
                           generated_at=created_at)
    pdf_doc = render_pdf(chat, msgs, decisions, title=title, custody=entries, case_ref=case_ref,
                         generated_at=created_at)
    outputs = {
        "transcript.html": (html_doc.encode("utf-8"), "transcript (HTML)"),
        "transcript.pdf": (pdf_doc, "transcript (PDF)"),
        "chat.rsmf": (
            build_rsmf(chat, msgs, media=media_bytes, custodian=custodian, decisions=decisions,
                       generator=f"chatwarden {__version__}", tz=tz),
            "RSMF 2.0.0",
        ),
        "messages.json": (_json({
            "schema": SCHEMA_VERSION,
            "chat": chat_dict(chat),
            "messages": [message_dict(m) for m in msgs],
            "warnings": [warning_dict(w) for w in warnings],
        }), "parse output"),
        "decisions.json": (_json({"schema": SCHEMA_VERSION, "decisions": [decision_dict(d) for d in decisions]}),
                           "policy decisions"),
        "custody.jsonl": (custody_jsonl(entries), "chain of custody"),
        "README.txt": (_readme(case_ref, chat, created_at).encode("utf-8"), "about this package"),
    }
    for rel, (data, role) in outputs.items():
        _write(stage / rel, data)
        files[rel] = (len(data), hashlib.sha256(data).hexdigest(), role)

    sums = "".join(f"{files[p][1]}  {p}\n" for p in sorted(files)).encode("utf-8")
    _write(stage / "SHA256SUMS", sums)
    files["SHA256SUMS"] = (len(sums), hashlib.sha256(sums).hexdigest(), "sha256sum -c list")

    # 4. the manifest, and its own digest
    manifest = {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_FORMAT_VERSION,
        "case_ref": case_ref,
        "created_at": _iso(created_at),
        "created_by": created_by,
        "tool": {"name": "chatwarden", "version": __version__},
        "export": {
            "path": original_rel,
            "sha256_at_capture": chat.sha256,
            "size": size,
            "kind": kind,
            "platform": chat.platform,
            "transcript_member": chat.chat_member,
        },
        "counts": {
            "messages": len(msgs),
            "system_events": sum(1 for m in msgs if m.is_system),
            "media": len(media_rows),
            "decisions": len(decisions),
            "custody_entries": len(entries),
        },
        "media": media_rows,
        "files": [{"path": p, "size": files[p][0], "sha256": files[p][1], "role": files[p][2]} for p in sorted(files)],
    }
    mbytes = _json(manifest)
    _write(stage / MANIFEST, mbytes)
    msha = hashlib.sha256(mbytes).hexdigest()
    _write(stage / MANIFEST_DIGEST, f"{msha}  {MANIFEST}\n".encode())

    packaged = [PackagedFile(p, files[p][0], files[p][1], files[p][2]) for p in sorted(files)]
    notes = []
    big = [p for p in packaged if p.size > EVIDENCE_COM_FILE_LIMIT]
    if big:
        notes.append(f"{len(big)} file(s) exceed Evidence.com's 4 GB import limit")
    return {
        "files": packaged,
        "manifest_sha256": msha,
        "paths": sorted([*files, MANIFEST, MANIFEST_DIGEST]),
        "warnings": notes,
    }


def _beside(export: Path, member: str) -> Path | None:
    base = os.path.basename(member.replace("\\", "/"))
    if not base or base in (".", ".."):
        return None
    path = export.parent / base
    if path.is_symlink() or not path.is_file():
        return None
    return path


def _readme(case_ref: str, chat: Chat, created_at: datetime) -> str:
    return (
        f"Evidence package, case {case_ref}\n"
        f"Made {_iso(created_at)} by chatwarden {__version__}.\n\n"
        f"original/ holds the WhatsApp export exactly as captured; its SHA-256 at capture was\n"
        f"{chat.sha256}\n\n"
        "media/ holds the export's media files, each checked against the SHA-256 taken at capture\n"
        "(manifest.json says which export member each one came from).\n"
        "transcript.html / transcript.pdf are reading copies with policy findings marked;\n"
        "chat.rsmf is the chat in RSMF 2.0.0 for review platforms; messages.json and\n"
        "decisions.json are the parse output and the policy decisions; custody.jsonl is the\n"
        "chain of custody.\n\n"
        "To check the package by hand (Linux/macOS):\n"
        "    sha256sum -c manifest.sha256 && sha256sum -c SHA256SUMS\n"
        "and confirm no file is present that manifest.json does not list.\n"
        "With chatwarden: verify_package(<this folder or zip>).\n"
    )


def _write_zip(stage: Path, paths: list[str], dest: Path) -> None:
    with zipfile.ZipFile(dest, "x", allowZip64=True) as zf:
        for rel in paths:
            src = stage / rel
            zinfo = zipfile.ZipInfo(rel, ZIP_TIME)
            zinfo.create_system = 3
            zinfo.external_attr = (stat.S_IFREG | 0o644) << 16
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            size = src.stat().st_size
            with open(src, "rb") as fh, zf.open(zinfo, "w", force_zip64=size >= 2**31) as out:
                while block := fh.read(BLOCK):
                    out.write(block)


# ======================================================================== verifying
class _Tree:
    """Read access to a package, as a folder or a zip."""

    def names(self) -> tuple[list[str], list[str]]:  # (file paths, problems)
        raise NotImplementedError

    def open(self, rel: str) -> IO[bytes]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _FolderTree(_Tree):
    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self) -> tuple[list[str], list[str]]:
        out, problems = [], []
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            rel_dir = Path(dirpath).relative_to(self.root)
            for d in list(dirnames):
                if (Path(dirpath) / d).is_symlink():
                    problems.append(f"{(rel_dir / d).as_posix()}: a symbolic link, not part of a package")
                    dirnames.remove(d)
            for f in filenames:
                p = Path(dirpath) / f
                rel = (rel_dir / f).as_posix()
                if p.is_symlink() or not p.is_file():
                    problems.append(f"{rel}: not a regular file")
                else:
                    out.append(rel)
        return sorted(out), problems

    def open(self, rel: str) -> IO[bytes]:
        return open(self.root / rel, "rb")


class _ZipTree(_Tree):
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf

    def names(self) -> tuple[list[str], list[str]]:
        out, problems, seen = [], [], set()
        for info in self.zf.infolist():
            name = info.filename
            pp = PurePosixPath(name)
            if name.startswith("/") or "\\" in name or ".." in pp.parts or "\x00" in name:
                problems.append(f"{name}: unsafe entry name in the zip")
                continue
            mode = info.external_attr >> 16
            if mode and stat.S_ISLNK(mode):
                problems.append(f"{name}: a symbolic link, not part of a package")
                continue
            if info.is_dir():
                continue
            if name in seen:
                problems.append(f"{name}: appears twice in the zip")
                continue
            seen.add(name)
            out.append(name)
        return sorted(out), problems

    def open(self, rel: str) -> IO[bytes]:
        return self.zf.open(rel)

    def close(self) -> None:
        self.zf.close()


def _digest(tree: _Tree, rel: str) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with tree.open(rel) as fh:
        while block := fh.read(BLOCK):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def verify_package(
    path: str | os.PathLike[str],
    *,
    expected_manifest_sha256: str | None = None,
    expected_export_sha256: str | None = None,
) -> VerifyResult:
    """Check an evidence package (folder or zip).  Never raises for a bad package: the result
    lists every problem found.  Raises :class:`~chatwarden.errors.InputError` only when
    ``path`` does not exist or cannot be read."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise InputError("the package path does not exist or cannot be read") from None
    tree: _Tree
    if stat.S_ISDIR(st.st_mode):
        if not os.access(p, os.R_OK | os.X_OK):
            raise InputError("the package folder cannot be read")
        tree = _FolderTree(p)
    else:
        try:
            with open(p, "rb"):
                pass
        except OSError:
            raise InputError("the package file cannot be read") from None
        try:
            tree = _ZipTree(zipfile.ZipFile(p))
        except Exception:  # whatever a damaged zip raises, it is a bad package, not an error
            name = p.name
            return VerifyResult(False, (f"{name}: not a readable zip archive",), name, 0, None, (name,))
    try:
        return _verify(tree, expected_manifest_sha256, expected_export_sha256)
    finally:
        tree.close()


def _verify(tree: _Tree, expected_manifest: str | None, expected_export: str | None) -> VerifyResult:
    problems: list[tuple[str, str]] = []  # (path, what)
    checked = 0

    def bad(rel: str, what: str) -> None:
        problems.append((rel, what))

    present, structural = tree.names()
    for line in structural:
        rel, _, what = line.partition(": ")
        bad(rel, what)
    present_set = set(present)

    def read_small(rel: str, limit: int = 64 * 1024**2) -> bytes | None:
        try:
            with tree.open(rel) as fh:
                data = fh.read(limit + 1)
        except Exception:  # zlib, CRC, truncation...: a damaged file, reported as such
            bad(rel, "cannot be read (damaged)")
            return None
        if len(data) > limit:
            bad(rel, "too large for its kind")
            return None
        return data

    # -- the manifest and its digest
    manifest: dict[str, Any] | None = None
    msha: str | None = None
    recorded: str | None = None
    if MANIFEST_DIGEST not in present_set:
        bad(MANIFEST_DIGEST, "missing")
    else:
        raw = read_small(MANIFEST_DIGEST, 4096)
        if raw is not None:
            checked += 1
            text = raw.decode("ascii", errors="replace").strip()
            parts = text.split()
            if len(parts) != 2 or parts[1].lstrip("*") != MANIFEST or len(parts[0]) != 64 or any(
                c not in "0123456789abcdef" for c in parts[0]
            ):
                bad(MANIFEST_DIGEST, "malformed (expected '<sha256>  manifest.json')")
            else:
                recorded = parts[0]
    if MANIFEST not in present_set:
        bad(MANIFEST, "missing")
    else:
        mraw = read_small(MANIFEST)
        if mraw is not None:
            checked += 1
            msha = hashlib.sha256(mraw).hexdigest()
            if recorded is not None and msha != recorded:
                bad(MANIFEST, "SHA-256 differs from manifest.sha256 (manifest.json or manifest.sha256 was altered)")
            if expected_manifest is not None and msha != expected_manifest.lower():
                bad(MANIFEST, "SHA-256 differs from the digest recorded when the package was made")
            try:
                obj = json.loads(mraw.decode("utf-8"))
                if not isinstance(obj, dict) or obj.get("format") != PACKAGE_FORMAT:
                    raise ValueError
                if not isinstance(obj.get("files"), list):
                    raise ValueError
                manifest = obj
            except (UnicodeDecodeError, ValueError):
                bad(MANIFEST, "not a chatwarden package manifest")

    # -- every listed file
    listed: dict[str, dict[str, Any]] = {}
    if manifest is not None:
        for n, row in enumerate(manifest["files"]):
            entry = row.get("path") if isinstance(row, dict) else None
            if not (isinstance(entry, str) and isinstance(row.get("sha256"), str) and isinstance(row.get("size"), int)):
                bad(MANIFEST, f"file entry #{n + 1} is malformed")
                continue
            if entry in listed or entry in (MANIFEST, MANIFEST_DIGEST):
                bad(MANIFEST, f"file entry #{n + 1} is listed twice or names the manifest")
                continue
            listed[entry] = row
        for rel, row in listed.items():
            if rel not in present_set:
                bad(rel, "missing")
                continue
            try:
                sha, size = _digest(tree, rel)
            except Exception:  # zlib, CRC, truncation...: a damaged file, reported as such
                bad(rel, "cannot be read (damaged)")
                continue
            checked += 1
            if size != row["size"]:
                bad(rel, f"size {size} differs from the manifest's {row['size']}")
            elif sha != row["sha256"]:
                bad(rel, "SHA-256 differs from the manifest (altered)")
        _cross_check(manifest, listed, bad, expected_export)

    # -- files nobody listed
    if manifest is not None:
        for rel in present:
            if rel not in listed and rel not in (MANIFEST, MANIFEST_DIGEST):
                bad(rel, "not listed in the manifest (added)")

    if not problems:
        return VerifyResult(True, (), None, checked, msha, ())
    seen: list[str] = []
    for rel, _ in problems:
        if rel not in seen:
            seen.append(rel)
    return VerifyResult(False, tuple(f"{r}: {w}" for r, w in problems), problems[0][0], checked, msha, tuple(seen))


def _cross_check(manifest: dict[str, Any], listed: dict[str, dict[str, Any]],
                 bad: Callable[[str, str], None], expected_export: str | None) -> None:
    export = manifest.get("export")
    if not isinstance(export, dict) or not isinstance(export.get("path"), str):
        bad(MANIFEST, "has no export record")
        return
    row = listed.get(export["path"])
    if row is None:
        bad(MANIFEST, "does not list the original export")
    elif row["sha256"] != export.get("sha256_at_capture"):
        bad(export["path"], "the manifest's digest differs from the SHA-256 at capture")
    if expected_export is not None and export.get("sha256_at_capture") != expected_export.lower():
        bad(export["path"], "the SHA-256 at capture differs from the one recorded elsewhere")
    for item in manifest.get("media", []) or []:
        if not isinstance(item, dict):
            bad(MANIFEST, "a media record is malformed")
            continue
        r = listed.get(item.get("path", ""))
        if r is None:
            bad(MANIFEST, "a media record names a file the manifest does not list")
        elif r["sha256"] != item.get("sha256_at_capture"):
            bad(item["path"], "the manifest's digest differs from the SHA-256 at capture")

