"""Generate a large 1998-style site, deterministic from a seed.

Pages carry the quirks of the fixture site: uppercase tags, unclosed <P>/<LI>, <FONT>,
BODY BACKGROUND=, IMG LOWSRC=, image maps, a frameset, a CSS file with url(), Windows-1252
bytes without a charset, &#150; references, `!` in names. Every page is linked from an index
chain so a crawler reaches all of them.

    python -m benchmarks.generate_site --pages 5000 --out /tmp/site
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = ("conflict peace track diplomacy citizen dialogue negotiation mediation workshop "
         "community escalation trust bridge official unofficial program training intractable "
         "consortium research university colorado analysis problem solving approach example").split()
SECTIONS = ("treatment", "problem", "example", "glossary", "Reading")
PAGES_PER_DIR = 200


def tiny_gif(red: int, green: int, blue: int) -> bytes:
    """A real 1x1 GIF89a in the given colour."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes((red, green, blue)) + b"\xff\xff\xff"
            b"!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def page_path(number: int) -> str:
    section = SECTIONS[number % len(SECTIONS)]
    folder = number // PAGES_PER_DIR
    name = f"!page{number}.htm" if number % 7 == 0 else f"page{number}.htm"
    return f"{section}/d{folder}/{name}"


def relative(from_path: str, to_path: str) -> str:
    depth = from_path.count("/")
    return "../" * depth + to_path


def paragraph(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    words[rng.randrange(len(words))] += "\u2013"  # written as byte 0x96: Windows-1252, no charset declared
    return " ".join(words).capitalize() + "."


def make_page(number: int, total: int, rng: random.Random) -> bytes:
    path = page_path(number)
    up = relative(path, "")
    links = [page_path((number + step) % total) for step in (1, 2, 3, 17, 101)]
    items = "\n".join(f'<LI><A HREF="{relative(path, target)}">Page {target}</A>' for target in links)
    body = "\n".join(f"<P>{paragraph(rng)}" for _ in range(rng.randint(3, 6)))
    text = f"""<HTML>
<HEAD>
<TITLE>Training page {number} &#150; {rng.choice(WORDS).title()}</TITLE>
<LINK REL=STYLESHEET HREF="{up}style.css" TYPE="text/css">
</HEAD>
<BODY BACKGROUND="{up}images/paper.gif" BGCOLOR="#FFFFFF">
<CENTER><IMG SRC="{up}images/logo.gif" LOWSRC="{up}images/logo-low.gif" WIDTH=120 HEIGHT=60 ALT="logo"></CENTER>
<H1><FONT FACE="Arial">Page {number}</FONT></H1>
<IMG SRC="{up}images/nav.gif" USEMAP="#nav" BORDER=0>
<MAP NAME="nav"><AREA SHAPE=RECT COORDS="0,0,50,20" HREF="{up}index.html"><AREA SHAPE=RECT COORDS="50,0,100,20" HREF="{up}glossary.htm"></MAP>
{body}
<UL>
{items}
</UL>
<P><IMG SRC="{up}images/img{number % 50}.gif" ALT="figure">
<P><FONT SIZE=1>Copyright 1998 Conflict Research Consortium</FONT>
</BODY>
</HTML>
"""
    return text.replace("\n", "\r\n").encode("cp1252")


def generate(out: Path, pages: int, seed: int = 1998) -> int:
    """Write the site under ``out/site/``; return the number of files written."""
    rng = random.Random(seed)
    root = out / "site"
    (root / "images").mkdir(parents=True, exist_ok=True)
    files = 0

    def write(relative_path: str, data: bytes) -> None:
        nonlocal files
        target = root / relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        files += 1

    for name, colour in (("paper", (250, 245, 230)), ("logo", (128, 0, 0)), ("logo-low", (200, 200, 200)),
                         ("nav", (0, 0, 102))):
        write(f"images/{name}.gif", tiny_gif(*colour))
    for number in range(50):
        write(f"images/img{number}.gif", tiny_gif(number * 5, 100, 255 - number * 5))
    write("style.css", b"BODY { background: url(images/paper.gif) }\r\nH1 { color: #800000 }\r\n")
    chapters = "\n".join(f'<LI><A HREF="chapter{index}.htm">Chapter {index}</A>'
                         for index in range(0, pages, 100))
    write("index.html", b'<HTML><HEAD><TITLE>Generated site</TITLE></HEAD>\r\n<FRAMESET COLS="180,*">'
          b'<FRAME SRC="menu.htm" NAME="menu"><FRAME SRC="glossary.htm" NAME="main">'
          b'<NOFRAMES><BODY><A HREF="menu.htm">Menu</A></BODY></NOFRAMES></FRAMESET></HTML>\r\n')
    write("menu.htm", f"<HTML><BODY><UL>{chapters}</UL></BODY></HTML>".encode("cp1252"))
    write("glossary.htm", b"<HTML><BODY><H1>Glossary</H1><A NAME=x>x</A> \x96 term</BODY></HTML>")
    for start in range(0, pages, 100):
        entries = "\n".join(f'<LI><A HREF="{page_path(number)}">Page {number}</A>'
                            for number in range(start, min(start + 100, pages)))
        write(f"chapter{start}.htm",
              f"<HTML><BODY><UL>\r\n{entries}\r\n</UL></BODY></HTML>".encode("cp1252"))
    for number in range(pages):
        write(page_path(number), make_page(number, pages, rng))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1998)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(f"{generate(args.out, args.pages, args.seed)} files written under {args.out / 'site'}")


if __name__ == "__main__":
    main()
