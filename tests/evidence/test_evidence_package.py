"""Evidence packages: build -> verify ok; any altered, missing or added file is named; zip and
folder forms both verify; output is deterministic; bad inputs are refused and leave nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from evidence_fixtures import (
    ANDROID_TXT,
    IOS_MEDIA,
    PACKAGED,
    Parsed,
    custody,
    decision,
    find,
    parse,
    write_ios_zip,
)

from chatwarden.errors import InputError, IntegrityError
from chatwarden.evidence import (
    CustodyEntry,
    PackageInfo,
    build_package,
    read_custody_jsonl,
    read_rsmf,
    validate_manifest,
    verify_package,
)
from chatwarden.model import MediaMember


def build(p: Parsed, out: Path, **kw: object) -> PackageInfo:
    decisions = kw.pop("decisions", [decision("MPS-IM-001", p.messages[1])])
    args: dict[str, object] = {
        "export_path": p.path, "chat": p.chat, "messages": p.messages, "decisions": decisions,
        "custody": custody(), "case_ref": "OP/2024/1", "created_by": "DS 5678 Test Reviewer",
        "created_at": PACKAGED, "warnings": p.warnings,
    }
    args.update(kw)
    return build_package(out, **args)  # type: ignore[arg-type]


def flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------ the happy path
def test_folder_package_contents(ios: Parsed, tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    info = build(ios, out, custodian="Sgt Alice Brown")
    assert info.folder == out and info.zip_path is None
    res = verify_package(out)
    assert res.ok, res.problems
    assert res.manifest_sha256 == info.manifest_sha256
    names = sorted(str(p.relative_to(out).as_posix()) for p in out.rglob("*") if p.is_file())
    assert names == sorted([
        "README.txt", "SHA256SUMS", "chat.rsmf", "custody.jsonl", "decisions.json", "manifest.json",
        "manifest.sha256", "messages.json", "original/WhatsApp Chat - Team 4.zip", "transcript.html",
        "transcript.pdf", *(f"media/{n}" for n in IOS_MEDIA),
    ])
    assert (out / "original" / ios.path.name).read_bytes() == ios.path.read_bytes()
    for name, data in IOS_MEDIA.items():
        assert (out / "media" / name).read_bytes() == data
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["export"]["sha256_at_capture"] == ios.chat.sha256
    assert manifest["created_at"] == "2024-03-13T08:00:00.000000Z"
    assert manifest["tool"]["name"] == "chatwarden"
    listed = {f["path"]: f for f in manifest["files"]}
    for rel, row in listed.items():
        data = (out / rel).read_bytes()
        assert row["size"] == len(data) and row["sha256"] == hashlib.sha256(data).hexdigest()
    digest = (out / "manifest.sha256").read_text()
    assert digest == f"{hashlib.sha256((out / 'manifest.json').read_bytes()).hexdigest()}  manifest.json\n"
    # SHA256SUMS works with sha256sum -c
    for line in (out / "SHA256SUMS").read_text().splitlines():
        sha, rel = line.split("  ", 1)
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == sha
    # custody: what was given, then the packaging step
    entries = read_custody_jsonl((out / "custody.jsonl").read_bytes())
    assert entries[:2] == custody()
    assert entries[2] == CustodyEntry(PACKAGED, "DS 5678 Test Reviewer", "packaged", entries[2].detail)
    assert ios.chat.sha256 in entries[2].detail and "OP/2024/1" in entries[2].detail
    # the parse output and the RSMF file inside are sound
    parsed = json.loads((out / "messages.json").read_text())
    assert [m["text"] for m in parsed["messages"]] == [m.text for m in ios.messages]
    assert parsed["chat"]["sha256"] == ios.chat.sha256
    _, rsmf_manifest, files = read_rsmf((out / "chat.rsmf").read_bytes())
    assert validate_manifest(rsmf_manifest, files=set(files)) == []
    assert files == IOS_MEDIA
    decisions = json.loads((out / "decisions.json").read_text())["decisions"]
    assert decisions[0]["rule"] == "MPS-IM-001"


def test_zip_and_both_forms_verify_and_are_deterministic(ios: Parsed, tmp_path: Path) -> None:
    a = build(ios, tmp_path / "a" / "pkg.zip")
    b = build(ios, tmp_path / "b", form="both")
    assert a.zip_path is not None and b.zip_path == tmp_path / "b.zip" and b.folder == tmp_path / "b"
    assert a.zip_path.read_bytes() == b.zip_path.read_bytes()
    assert a.zip_sha256 == b.zip_sha256 == hashlib.sha256(a.zip_path.read_bytes()).hexdigest()
    for target in (a.zip_path, b.zip_path, tmp_path / "b"):
        res = verify_package(target)
        assert res.ok, res.problems
    with zipfile.ZipFile(a.zip_path) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    # a different packaging time is a different package
    c = build(ios, tmp_path / "c.zip", created_at=datetime(2024, 3, 14, tzinfo=PACKAGED.tzinfo))
    assert c.zip_path is not None and c.zip_path.read_bytes() != a.zip_path.read_bytes()
    assert not [p for p in tmp_path.rglob(".*")]  # no staging or partial files left


# ------------------------------------------------------------------ tampering
TARGETS = [
    "original/WhatsApp Chat - Team 4.zip",
    "media/00000001-PHOTO-2024-03-12-09-00-10.jpg",
    "transcript.html",
    "transcript.pdf",
    "chat.rsmf",
    "messages.json",
    "decisions.json",
    "custody.jsonl",
    "SHA256SUMS",
    "README.txt",
    "manifest.json",
]


@pytest.fixture
def folder_pkg(ios: Parsed, tmp_path: Path) -> Path:
    out = tmp_path / "pkg"
    build(ios, out)
    assert verify_package(out).ok
    return out


@pytest.mark.parametrize("rel", TARGETS)
def test_one_flipped_byte_is_named(folder_pkg: Path, rel: str) -> None:
    flip(folder_pkg / rel)
    res = verify_package(folder_pkg)
    assert not res.ok
    assert res.first_bad == rel
    assert res.problems[0].startswith(rel + ": ")


def test_flipped_manifest_digest_file_is_reported(folder_pkg: Path) -> None:
    flip(folder_pkg / "manifest.sha256", at=0)  # '0'..'f' -> another character
    res = verify_package(folder_pkg)
    assert not res.ok
    assert res.first_bad in ("manifest.sha256", "manifest.json")
    assert any("manifest.sha256" in p for p in res.problems)


@pytest.mark.parametrize("rel", ["media/00000002-AUDIO-2024-03-12-09-01-30.opus", "transcript.pdf", "manifest.sha256"])
def test_a_deleted_file_is_named(folder_pkg: Path, rel: str) -> None:
    (folder_pkg / rel).unlink()
    res = verify_package(folder_pkg)
    assert not res.ok and res.first_bad == rel
    assert f"{rel}: missing" in res.problems


@pytest.mark.parametrize("rel", ["notes.txt", "media/extra.jpg", "original/second-copy.zip"])
def test_an_added_file_is_named(folder_pkg: Path, rel: str) -> None:
    (folder_pkg / rel).write_bytes(b"added later")
    res = verify_package(folder_pkg)
    assert not res.ok and res.first_bad == rel
    assert res.problems == (f"{rel}: not listed in the manifest (added)",)


def test_a_symlink_is_reported(folder_pkg: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").write_bytes(b"x")
    os.symlink(tmp_path / "elsewhere", folder_pkg / "link.txt")
    res = verify_package(folder_pkg)
    assert not res.ok and res.first_bad == "link.txt"


def test_a_consistently_forged_package_needs_the_digest_kept_elsewhere(folder_pkg: Path) -> None:
    """Alter a file and rewrite the manifest and its digest to match: only a manifest digest
    recorded elsewhere (the store keeps it) can catch that."""
    original_digest = (folder_pkg / "manifest.sha256").read_text().split()[0]
    (folder_pkg / "transcript.html").write_text("forged")
    manifest = json.loads((folder_pkg / "manifest.json").read_text())
    for row in manifest["files"]:
        if row["path"] == "transcript.html":
            row["size"], row["sha256"] = 6, hashlib.sha256(b"forged").hexdigest()
    raw = json.dumps(manifest).encode()
    (folder_pkg / "manifest.json").write_bytes(raw)
    (folder_pkg / "manifest.sha256").write_text(f"{hashlib.sha256(raw).hexdigest()}  manifest.json\n")
    assert verify_package(folder_pkg).ok
    res = verify_package(folder_pkg, expected_manifest_sha256=original_digest)
    assert not res.ok and res.first_bad == "manifest.json"


def test_expected_export_digest(folder_pkg: Path, ios: Parsed) -> None:
    assert verify_package(folder_pkg, expected_export_sha256=ios.chat.sha256).ok
    res = verify_package(folder_pkg, expected_export_sha256="0" * 64)
    assert not res.ok and res.first_bad == f"original/{ios.path.name}"


def rewrite_zip(src: Path, dest: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    zout.writestr(info, change[info.filename])  # type: ignore[arg-type]
            else:
                zout.writestr(info, zin.read(info))
        for name, data in (add or {}).items():
            zout.writestr(name, data)


@pytest.mark.parametrize("rel", TARGETS)
def test_zip_form_names_an_altered_member(ios: Parsed, tmp_path: Path, rel: str) -> None:
    info = build(ios, tmp_path / "pkg.zip")
    assert info.zip_path is not None
    with zipfile.ZipFile(info.zip_path) as zf:
        data = bytearray(zf.read(rel))
    data[len(data) // 2] ^= 0x01
    bad = tmp_path / "bad.zip"
    rewrite_zip(info.zip_path, bad, {rel: bytes(data)})
    res = verify_package(bad)
    assert not res.ok and res.first_bad == rel


def test_zip_form_names_missing_and_added_members(ios: Parsed, tmp_path: Path) -> None:
    info = build(ios, tmp_path / "pkg.zip")
    assert info.zip_path is not None
    gone = tmp_path / "gone.zip"
    rewrite_zip(info.zip_path, gone, {"chat.rsmf": None})
    assert verify_package(gone).first_bad == "chat.rsmf"
    extra = tmp_path / "extra.zip"
    rewrite_zip(info.zip_path, extra, {}, {"media/zz.jpg": b"new"})
    res = verify_package(extra)
    assert not res.ok and res.first_bad == "media/zz.jpg"
    sneaky = tmp_path / "sneaky.zip"
    rewrite_zip(info.zip_path, sneaky, {}, {"../outside.txt": b"x"})
    res = verify_package(sneaky)
    assert not res.ok and res.first_bad == "../outside.txt"


def test_raw_damage_to_a_zip_never_raises(ios: Parsed, tmp_path: Path) -> None:
    info = build(ios, tmp_path / "pkg.zip")
    assert info.zip_path is not None
    raw = info.zip_path.read_bytes()
    for at in (100, len(raw) // 3, len(raw) // 2, len(raw) - 30):
        damaged = tmp_path / f"damaged-{at}.zip"
        b = bytearray(raw)
        b[at] ^= 0xFF
        damaged.write_bytes(bytes(b))
        res = verify_package(damaged)
        assert not res.ok and res.first_bad
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(raw[: len(raw) // 2])
    assert verify_package(truncated).first_bad == "truncated.zip"
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    assert not verify_package(not_zip).ok


def test_verify_raises_only_for_an_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        verify_package(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    res = verify_package(empty)
    assert not res.ok and res.first_bad == "manifest.sha256"


# ------------------------------------------------------------------ refusals
def test_export_changed_since_capture_is_refused(ios: Parsed, tmp_path: Path) -> None:
    with open(ios.path, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(IntegrityError):
        build(ios, tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_media_changed_since_capture_is_refused(ios: Parsed, tmp_path: Path) -> None:
    media = tuple(dataclasses.replace(m, sha256="0" * 64) if "AUDIO" in m.name else m for m in ios.chat.media)
    chat = dataclasses.replace(ios.chat, media=media)
    with pytest.raises(IntegrityError) as err:
        build(ios, tmp_path / "pkg.zip", chat=chat)
    assert "AUDIO" not in str(err.value)
    assert list(tmp_path.iterdir()) == [tmp_path / "src"]


def test_media_reader(ios: Parsed, tmp_path: Path) -> None:
    info = build(ios, tmp_path / "ok", media_reader=IOS_MEDIA.get)
    assert verify_package(tmp_path / "ok").ok and len([f for f in info.files if f.role == "media"]) == 2
    with pytest.raises(IntegrityError):
        build(ios, tmp_path / "bad", media_reader=lambda m: IOS_MEDIA[m] + b"x")
    with pytest.raises(InputError):
        build(ios, tmp_path / "none", media_reader=lambda m: None)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"case_ref": ""}, "case reference"),
        ({"case_ref": "A\nB"}, "case reference"),
        ({"created_by": " "}, "created_by"),
        ({"created_at": datetime(2024, 1, 1)}, "zone"),
        ({"custody": [CustodyEntry(datetime(2024, 1, 1), "PC X", "captured", "")]}, "zone"),
        ({"custody": [CustodyEntry(PACKAGED, "", "captured", "")]}, "actor"),
        ({"custody": [CustodyEntry(PACKAGED, "PC X", "captured", "a\nb")]}, "control"),
        ({"form": "tarball"}, "form"),
    ],
)
def test_bad_arguments_are_refused(ios: Parsed, tmp_path: Path, change: dict[str, object], why: str) -> None:
    with pytest.raises(InputError) as err:
        build(ios, tmp_path / "pkg", **change)
    assert why in str(err.value)
    assert not (tmp_path / "pkg").exists()


def test_evidence_is_never_overwritten(ios: Parsed, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "keep.txt").write_text("x")
    with pytest.raises(InputError):
        build(ios, tmp_path / "pkg")
    (tmp_path / "p.zip").write_bytes(b"x")
    with pytest.raises(InputError):
        build(ios, tmp_path / "p.zip")
    assert (tmp_path / "p.zip").read_bytes() == b"x"
    (tmp_path / "empty").mkdir()
    build(ios, tmp_path / "empty")  # an empty folder may be used
    assert verify_package(tmp_path / "empty").ok


def test_missing_export_is_an_input_error(ios: Parsed, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        build(ios, tmp_path / "pkg", export_path=tmp_path / "gone.zip")


# ------------------------------------------------------------------ untrusted member names
def test_member_names_are_never_trusted(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    extra = {
        "a/deep/IMG-20240312-WA0001.jpg": b"one",
        "b/IMG-20240312-WA0001.jpg": b"two",  # same base name
        "c/img-20240312-wa0001.JPG": b"three",  # same name but for case
        "d/photo\u202egpj.exe": b"rtl override",
        "e/CON.txt": b"windows device name",
        "f/..hidden..": b"dots",
    }
    p = parse(write_ios_zip(src, extra))
    out = tmp_path / "pkg"
    info = build(p, out)
    assert verify_package(out).ok
    media = sorted(f.path for f in info.files if f.role == "media")
    assert all(m.startswith("media/") and m.count("/") == 1 for m in media)
    assert len(media) == len(IOS_MEDIA) + len(extra)
    assert len({m.casefold() for m in media}) == len(media)
    assert "media/photogpj.exe" in media and "media/_CON.txt" in media and "media/hidden" in media
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    manifest = json.loads((out / "manifest.json").read_text())
    sources = {row["export_member"]: row["path"] for row in manifest["media"]}
    assert set(sources) == set(IOS_MEDIA) | set(extra)
    for member, rel in sources.items():
        assert (out / rel).read_bytes() == {**IOS_MEDIA, **extra}[member]


def test_chat_naming_a_member_not_in_the_export_is_refused(ios: Parsed, tmp_path: Path) -> None:
    forged = (*ios.chat.media, MediaMember("../../etc/passwd", 3, hashlib.sha256(b"abc").hexdigest()))
    with pytest.raises(IntegrityError):
        build(ios, tmp_path / "pkg", chat=dataclasses.replace(ios.chat, media=forged))
    assert not (tmp_path / "pkg").exists()


def test_macos_metadata_members_stay_in_the_original_only(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    p = parse(write_ios_zip(src, {"__MACOSX/._00000001-PHOTO-2024-03-12-09-00-10.jpg": b"\x00\x05\x16\x07"}))
    info = build(p, tmp_path / "pkg")
    assert sorted(f.path for f in info.files if f.role == "media") == sorted(f"media/{n}" for n in IOS_MEDIA)


# ------------------------------------------------------------------ a .txt export
def test_txt_export_with_media_beside_it(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    photo = b"\xff\xd8 a photo \xff\xd9"
    (src / "IMG-20240312-WA0001.jpg").write_bytes(photo)
    txt = src / "WhatsApp Chat with Team 4 logistics.txt"
    txt.write_text(ANDROID_TXT + "12/03/2024, 09:09 - Sgt Alice Brown: IMG-20240312-WA0001.jpg (file attached)\n",
                   encoding="utf-8")
    p = parse(txt)
    pnc = find(p.messages, "PNC check")
    out = tmp_path / "pkg"
    info = build(p, out, decisions=[decision("MPS-IM-001", pnc)], form="both")
    assert verify_package(out).ok and info.zip_path is not None and verify_package(info.zip_path).ok
    assert (out / "media" / "IMG-20240312-WA0001.jpg").read_bytes() == photo
    assert (out / "original" / txt.name).read_bytes() == txt.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["export"]["kind"] == "txt" and manifest["counts"]["media"] == 1
    # the photo beside the export was swapped after capture
    (src / "IMG-20240312-WA0001.jpg").write_bytes(b"another photo")
    with pytest.raises(IntegrityError):
        build(p, tmp_path / "pkg2")


# ------------------------------------------------------------------ real exports
@pytest.mark.parametrize("which", ["example_zip", "egregora_zip"])
def test_real_exports_package_and_verify(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    p = parse(request.getfixturevalue(which))
    info = build(p, tmp_path / "pkg", decisions=[], form="both")
    for target in (info.folder, info.zip_path):
        assert target is not None
        res = verify_package(target)
        assert res.ok, res.problems
    media = [f for f in info.files if f.role == "media"]
    real_media = [m for m in p.chat.media if not m.name.startswith("__MACOSX/")]
    assert sorted(f.sha256 for f in media) == sorted(m.sha256 for m in real_media)
    flip(tmp_path / "pkg" / media[0].path)
    assert verify_package(tmp_path / "pkg").first_bad == media[0].path
