"""Generate the GIF images of the OTPIC example docroot.

Run with:  .venv/bin/python examples/otpic/make_gifs.py

Writes (relative to this file):
  docroot/conflict/peace/usiplogo.gif       GIF89a, 120x60, exactly 1499 bytes
                                             (the 1998 ALT text says "(1499 bytes)")
  docroot/conflict/peace/images/navbar.gif  450x30, three 150-px buttons
                                             (matches the <MAP NAME="navbar"> coords)
  docroot/conflict/peace/images/paper.gif   64x64 light background tile
"""

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
PEACE = HERE / "docroot" / "conflict" / "peace"

LOGO_SIZE = 1499
NAVBAR_W, NAVBAR_H, NAVBAR_BUTTONS = 450, 30, ("Opening Page", "Glossary", "Menu Shortcuts")


def font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def gif_bytes(img):
    buf = io.BytesIO()
    img.save(buf, format="GIF")
    return buf.getvalue()


def comment_extension(total):
    """A GIF Comment Extension of exactly `total` bytes (21 FE, sub-blocks, 00)."""
    if total < 3:
        raise ValueError("need at least 3 bytes for a comment extension")
    payload = total - 3
    k = -(-payload // 256)  # number of sub-blocks; each costs 1 length byte
    data_len = payload - k
    text = b"Conflict Research Consortium, University of Colorado. "
    data = (text * (data_len // len(text) + 1))[:data_len]
    out = bytearray(b"\x21\xfe")
    pos = 0
    for i in range(k):
        n = min(255, data_len - pos - (k - i - 1))  # leave >= 1 byte per later block
        out.append(n)
        out += data[pos:pos + n]
        pos += n
    out.append(0)
    assert len(out) == total and pos == data_len
    return bytes(out)


def make_logo():
    w, h = 120, 60
    navy, gold, white = (0, 0, 102), (204, 153, 0), (255, 255, 255)
    img = Image.new("RGB", (w, h), white)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w - 1, h - 1], fill=navy, outline=gold, width=3)
    d.line([10, 44, w - 11, 44], fill=gold, width=2)
    f = font(30)
    box = d.textbbox((0, 0), "USIP", font=f)
    tw, th = box[2] - box[0], box[3] - box[1]
    d.text(((w - tw) / 2 - box[0], 8 - box[1] + (32 - th) / 2), "USIP", font=f, fill=white)
    small = font(9)
    box = d.textbbox((0, 0), "PEACE", font=small)
    d.text(((w - (box[2] - box[0])) / 2 - box[0], 47 - box[1]), "PEACE", font=small, fill=gold)
    img = img.quantize(colors=4, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    raw = gif_bytes(img)
    assert raw[-1:] == b"\x3b", "GIF must end with the trailer"
    raw = b"GIF89a" + raw[6:]  # comment extensions are a GIF89a feature
    pad = LOGO_SIZE - len(raw)
    if pad < 3:
        raise SystemExit(f"logo too large before padding: {len(raw)} bytes")
    data = raw[:-1] + comment_extension(pad) + raw[-1:]
    assert len(data) == LOGO_SIZE
    return data


def make_navbar():
    bw = NAVBAR_W // len(NAVBAR_BUTTONS)
    img = Image.new("RGB", (NAVBAR_W, NAVBAR_H), (153, 0, 0))
    d = ImageDraw.Draw(img)
    f = font(13)
    for i, label in enumerate(NAVBAR_BUTTONS):
        x0, x1 = i * bw, (i + 1) * bw - 1
        # bevelled button: light top/left, dark bottom/right
        d.rectangle([x0, 0, x1, NAVBAR_H - 1], fill=(0, 0, 102))
        d.line([x0, 0, x1, 0], fill=(204, 204, 255), width=2)
        d.line([x0, 0, x0, NAVBAR_H - 1], fill=(204, 204, 255), width=2)
        d.line([x0, NAVBAR_H - 1, x1, NAVBAR_H - 1], fill=(0, 0, 0), width=2)
        d.line([x1, 0, x1, NAVBAR_H - 1], fill=(0, 0, 0), width=2)
        box = d.textbbox((0, 0), label, font=f)
        tw, th = box[2] - box[0], box[3] - box[1]
        d.text((x0 + (bw - tw) / 2 - box[0], (NAVBAR_H - th) / 2 - box[1]), label,
               font=f, fill=(255, 255, 204))
    img = img.quantize(colors=8, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return gif_bytes(img)


def make_paper():
    rnd = random.Random(1998)
    img = Image.new("P", (64, 64), 0)
    img.putpalette([255, 255, 240, 250, 248, 230, 244, 240, 220, 255, 255, 255])
    px = img.load()
    for y in range(64):
        for x in range(64):
            r = rnd.random()
            px[x, y] = 1 if r < 0.18 else 2 if r < 0.22 else 3 if r < 0.25 else 0
    return gif_bytes(img)


def main():
    (PEACE / "images").mkdir(parents=True, exist_ok=True)
    outputs = {
        PEACE / "usiplogo.gif": make_logo(),
        PEACE / "images" / "navbar.gif": make_navbar(),
        PEACE / "images" / "paper.gif": make_paper(),
    }
    for path, data in outputs.items():
        path.write_bytes(data)
        with Image.open(path) as im:
            im.load()
            print(f"{path.relative_to(HERE)}: {len(data)} bytes, {im.format} "
                  f"{data[:6].decode()} {im.size[0]}x{im.size[1]} mode={im.mode}")
    assert (PEACE / "usiplogo.gif").stat().st_size == LOGO_SIZE


if __name__ == "__main__":
    main()
