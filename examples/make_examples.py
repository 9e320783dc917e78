#!/usr/bin/env python3
"""Build the sample iOS export ``WhatsApp Chat - Jordan Blake.zip`` from ``src/jordan-blake/``.

All content is synthetic and fictional (see README.md in this folder).

    python examples/make_examples.py            # rebuild the zip from src/ (standard library only)
    python examples/make_examples.py --check    # exit 1 if the committed zip differs from a fresh build
    python examples/make_examples.py --media    # first redraw the media files in src/ (needs Pillow,
                                                # PyAV and fpdf2), then rebuild the zip

The zip build is byte-for-byte reproducible: members are written in a fixed order (``_chat.txt``
first, then the media in the order the chat refers to them), with fixed timestamps (the time
of the message that carries each file; the export time for ``_chat.txt``), fixed Unix
permissions, no extra fields and no compression (ZIP_STORED), so the result does not depend
on the zlib build, the file system or the clock.  Redrawing the media (``--media``) is only
reproducible with the same library versions (JPEG, H.264 and PDF encoders differ between
releases); the committed files in ``src/`` are the reference.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src" / "jordan-blake"
ZIP_PATH = HERE / "WhatsApp Chat - Jordan Blake.zip"
CHAT = "_chat.txt"
EXPORTED_AT = (2025, 3, 28, 9, 12, 40)  # when DC OKAFOR pressed "Export chat"
ATTACHED_RE = re.compile(r"^\u200e?\[(\d\d)/(\d\d)/(\d{4}), (\d\d):(\d\d):(\d\d)\] [^:]+: .*<attached: ([^<>]+)>\r?$")
LABEL = "SYNTHETIC TEST DATA - chatwarden - not a real person or event"


def attachments(chat_bytes: bytes) -> list[tuple[str, tuple[int, int, int, int, int, int]]]:
    """(file name, message time) of every ``<attached: ...>`` line, in chat order."""
    out = []
    for line in chat_bytes.decode("utf-8").split("\n"):
        m = ATTACHED_RE.match(line)
        if m:
            d, mo, y, h, mi, s, name = m.groups()
            out.append((name, (int(y), int(mo), int(d), int(h), int(mi), int(s))))
    return out


def build_zip() -> bytes:
    chat = (SRC / CHAT).read_bytes()
    entries = [(CHAT, EXPORTED_AT, chat)]
    for name, when in attachments(chat):
        entries.append((name, when, (SRC / name).read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, when, data in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix
            info.external_attr = (0o100644 & 0xFFFF) << 16
            zf.writestr(info, data)
    return buf.getvalue()


# --------------------------------------------------------------------------- media drawing
def _font(size: int):
    from PIL import ImageFont

    for path in (
        HERE.parent / "chatwarden" / "evidence" / "fonts" / "DejaVuSans.ttf",
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    ):
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default()


def _cctv_frame(t: float, w: int, h: int, stamp: str):
    """A grey CCTV-style still: shop front, pavement, a figure in a grey tracksuit."""
    import random

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), (92, 96, 94))
    d = ImageDraw.Draw(img)
    d.rectangle([0, int(h * 0.62), w, h], fill=(70, 72, 70))  # pavement
    d.rectangle([int(w * 0.05), int(h * 0.12), int(w * 0.45), int(h * 0.62)], fill=(55, 58, 60))  # shop front
    d.rectangle([int(w * 0.08), int(h * 0.16), int(w * 0.42), int(h * 0.26)], fill=(150, 150, 140))  # fascia
    d.text((int(w * 0.10), int(h * 0.175)), "BETTING", fill=(40, 40, 40), font=_font(max(10, h // 18)))
    d.rectangle([int(w * 0.55), int(h * 0.12), int(w * 0.95), int(h * 0.62)], fill=(80, 82, 84))
    x = int(w * (0.22 + 0.5 * t))
    y = int(h * 0.40)
    u = max(2, h // 60)
    d.ellipse([x - 4 * u, y - 10 * u, x + 4 * u, y - 2 * u], fill=(120, 100, 90))  # head
    d.rectangle([x - 6 * u, y - 2 * u, x + 6 * u, y + 14 * u], fill=(150, 150, 150))  # grey top
    d.rectangle([x - 5 * u, y + 14 * u, x - 1 * u, y + 30 * u], fill=(140, 140, 140))  # legs
    d.rectangle([x + 1 * u, y + 14 * u, x + 5 * u, y + 30 * u], fill=(140, 140, 140))
    rng = random.Random(int(t * 1000))
    for _ in range(w * h // 40):  # sensor noise
        px, py = rng.randrange(w), rng.randrange(h)
        g = rng.randrange(60, 140)
        img.putpixel((px, py), (g, g, g))
    small = _font(max(9, h // 22))
    d.rectangle([0, 0, w, max(12, h // 14)], fill=(0, 0, 0))
    d.text((4, 1), f"CAM 02  {stamp}", fill=(255, 255, 255), font=small)
    d.text((4, h - max(12, h // 14)), LABEL, fill=(255, 255, 0), font=small)
    return img


def draw_media() -> None:
    from PIL import Image, ImageDraw

    # 1. CCTV still of the suspect (sent by the victim)
    _cctv_frame(0.35, 480, 270, "14-03-2025 17:58:31").save(
        SRC / "00000012-PHOTO-2025-03-14-18-22-05.jpg", "JPEG", quality=70, optimize=True)

    # 2. CCTV clip: 3 seconds, 8 frames/s, H.264 in MP4
    import av  # PyAV

    path = SRC / "00000013-VIDEO-2025-03-14-18-23-10.mp4"
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"},
                 container_options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream("libx264", rate=8, options={"crf": "34", "preset": "veryslow", "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(24):
            frame = _cctv_frame(0.05 + i / 30, 320, 180, f"14-03-2025 17:58:{29 + i // 8:02d}")
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)

    # 3. Photo of the victim's torn jacket (property damage)
    img = Image.new("RGB", (480, 360), (205, 198, 186))
    d = ImageDraw.Draw(img)
    d.polygon([(170, 60), (310, 60), (350, 110), (330, 320), (150, 320), (130, 110)], fill=(30, 45, 80))
    d.polygon([(130, 110), (170, 60), (90, 230), (60, 215)], fill=(30, 45, 80))  # left sleeve
    d.polygon([(350, 110), (310, 60), (400, 200), (380, 240), (360, 200)], fill=(30, 45, 80))  # right sleeve
    d.line([(360, 150), (372, 175), (365, 190), (381, 214), (372, 230)], fill=(220, 210, 190), width=5)  # tear
    d.line([(240, 62), (240, 320)], fill=(90, 90, 95), width=3)  # zip
    d.text((8, 340), LABEL, fill=(90, 30, 30), font=_font(12))
    img.save(SRC / "00000019-PHOTO-2025-03-15-10-02-16.jpg", "JPEG", quality=72, optimize=True)

    # 4. A one-page discharge summary (PDF)
    from datetime import datetime, timezone

    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2025, 3, 14, 23, 40, 0, tzinfo=timezone.utc))
    pdf.set_producer("chatwarden examples")
    pdf.set_title("Discharge summary")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Addington Vale Urgent Treatment Centre", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, "Emergency Department discharge summary (fictional hospital)", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        ("Patient", "Jordan BLAKE"),
        ("Date of birth", "22/07/1996"),
        ("NHS number", "485 777 3457"),
        ("Attended", "08/03/2025 23:05"),
        ("Discharged", "09/03/2025 03:40"),
        ("Presenting complaint", "Assault. Punched to left side of face, pulled to the ground by jacket."),
        ("Findings", "Contusion left cheek. Soft tissue injury left forearm. No fracture on X-ray."),
        ("Plan", "Analgesia. Safety-netting advice given. GP follow-up if symptoms persist."),
        ("Clinician", "Dr R. NWOSU, ED registrar (fictional)"),
    ]
    for key, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(48, 7, key)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, LABEL + ". Names, numbers and the hospital are invented; the NHS number is "
                   "format-valid (mod 11) so that detectors can recognise it.")
    pdf.output(str(SRC / "00000022-Discharge summary.pdf"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare the committed zip with a fresh build")
    ap.add_argument("--media", action="store_true", help="redraw the media in src/ first")
    args = ap.parse_args(argv)
    if args.media:
        draw_media()
    data = build_zip()
    if args.check:
        if not ZIP_PATH.is_file() or ZIP_PATH.read_bytes() != data:
            print(f"{ZIP_PATH.name} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{ZIP_PATH.name} is up to date")
        return 0
    ZIP_PATH.write_bytes(data)
    print(f"wrote {ZIP_PATH.name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
