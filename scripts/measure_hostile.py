"""Measure normalize, the mirror and the link check on one hostile page or sheet of 1, 10, 100 MB.

    .venv/bin/python scripts/measure_hostile.py [SIZES_MB...]

Each kind of hostile body is put in a WARC alone and each stage runs in a fresh process, whose
wall time and peak resident memory (ru_maxrss) are printed. Figures go into docs/reliability.md
by hand. Kinds: a page dense with links to pages never archived, an attribute of ``&aaaa...``
without ``;``, one tag with as many attributes as fit, and a sheet of unclosed ``url("``.
"""
from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = "http://old.example/"
KINDS = {
    "dense-links": ("index.html", "text/html", b"<BODY>", b'<A HREF="gone.htm">x</A><A HREF="/g2.htm">y</A>'),
    "entity-run": ("index.html", "text/html", b'<BODY><A TITLE="&', b"a"),
    "many-attributes": ("index.html", "text/html", b"<BODY><A ", b"x=1 "),
    "unclosed-url": ("site.css", "text/css", b"", b'url("'),
}


def build(folder: Path, kind: str, size: int) -> Path:
    from warcio.warcwriter import WARCWriter

    name, content_type, head, unit = KINDS[kind]
    body = head + unit * ((size - len(head)) // len(unit))
    warc = folder / f"{kind}-{size}.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warc_record(BASE + "index.html" if name != "index.html" else BASE + name,
                                                      "resource", payload=io.BytesIO(b"<BODY>start"),
                                                      warc_content_type="text/html")
                            if name != "index.html" else
                            writer.create_warc_record(BASE + name, "resource", payload=io.BytesIO(body),
                                                      warc_content_type=content_type))
        if name != "index.html":
            writer.write_record(writer.create_warc_record(BASE + name, "resource", payload=io.BytesIO(body),
                                                          warc_content_type=content_type))
    return warc


def stage(which: str, warc: Path, out: Path) -> None:
    """Run one stage here (in the child process)."""
    from datetime import date

    from normalize.options import NormalizeOptions
    from normalize.stage import normalize_warc
    from site_out.check import iter_broken_links
    from site_out.mirror import write_mirror
    from site_out.options import MirrorOptions, NoticeOptions

    if which == "normalize":
        normalize_warc(warc, NormalizeOptions(BASE), out / "records.jsonl")
    elif which == "mirror":
        notice = NoticeOptions(title="Retired", date=date(2005, 12, 2), text="Retired.")
        write_mirror(warc, None, MirrorOptions(base_url=BASE, notice=notice), out)
    else:
        sum(1 for _ in iter_broken_links(out / "mirror"))


def _peak_mib() -> str:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's,
    inherited through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return f"{int(line.split()[1]) / 1024:.0f}"
    return "?"


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        print(f"{'kind':16} {'MB':>4} {'stage':9} {'seconds':>8} {'peak MiB':>9}")
        for kind in KINDS:
            for megabytes in sizes:
                warc = build(folder, kind, megabytes * 1000 * 1000)
                out = folder / f"out-{kind}-{megabytes}"
                out.mkdir()
                for which in ("normalize", "mirror", "verify"):
                    started = time.monotonic()
                    child = subprocess.run([sys.executable, __file__, "--stage", which, str(warc), str(out)],
                                           capture_output=True, text=True)
                    seconds = time.monotonic() - started
                    if child.returncode:
                        print(child.stderr[-2000:], file=sys.stderr)
                    peak = child.stdout.strip() or "?"
                    print(f"{kind:16} {megabytes:>4} {which:9} {seconds:8.1f} {peak:>9}", flush=True)
                warc.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stage"]:
        stage(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        print(_peak_mib())
    else:
        main([int(arg) for arg in sys.argv[1:]] or [1, 10, 100])
