"""The types a web server gave files by their names (Apache's ``mime.types``, the common part).

Apache looked at every extension of a name (``report.html.en``: ``html`` gave the type), in any
case; a name no entry knew got no ``Content-Type`` at all (Apache 2.4) or the ``DefaultType``
(1.3 and 2.2). This table is what sunset assumes the old server's ``TypesConfig`` held; the
tests give the same table to the real Apache they compare with.
"""
from __future__ import annotations

TYPES_TEXT = """\
application/java-archive jar
application/java-vm class
application/mac-binhex40 hqx
application/msword doc dot
application/octet-stream bin exe dms lha lzh so dll
application/pdf pdf
application/postscript ai eps ps
application/rtf rtf
application/vnd.ms-excel xls xlt
application/vnd.ms-powerpoint ppt pps pot
application/x-director dcr dir dxr
application/x-dvi dvi
application/x-gtar gtar
application/x-javascript js
application/x-latex latex
application/x-sh sh
application/x-shockwave-flash swf
application/x-stuffit sit
application/x-tar tar
application/x-tex tex
application/x-texinfo texinfo texi
application/x-troff t tr roff
application/xml xml xsl
application/zip zip
audio/basic au snd
audio/midi mid midi kar
audio/mpeg mpga mp2 mp3
audio/x-aiff aif aiff aifc
audio/x-mpegurl m3u
audio/x-pn-realaudio ram rm
audio/x-realaudio ra
audio/x-wav wav
image/bmp bmp
image/gif gif
image/ief ief
image/jpeg jpeg jpg jpe
image/png png
image/tiff tiff tif
image/x-icon ico
image/x-portable-anymap pnm
image/x-portable-bitmap pbm
image/x-portable-graymap pgm
image/x-portable-pixmap ppm
image/x-xbitmap xbm
image/x-xpixmap xpm
model/vrml wrl vrml
text/css css
text/csv csv
text/html html htm
text/plain txt asc text
text/richtext rtx
text/sgml sgml sgm
text/tab-separated-values tsv
text/x-setext etx
video/mpeg mpeg mpg mpe
video/quicktime qt mov
video/x-msvideo avi
video/x-sgi-movie movie
"""


def _table(text: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in text.splitlines():
        kind, *extensions = line.split()
        for extension in extensions:
            table[extension.lower()] = kind
    return table


TYPES: dict[str, str] = _table(TYPES_TEXT)
"""Extension (lower case, no dot) -> media type."""


def extensions_of(name: str) -> list[str]:
    """Every extension of a file name, lower-cased, as mod_mime read them (``a.tar.gz`` -> tar, gz)."""
    return [part.lower() for part in name.split(".")[1:] if part]


def mime_types_file() -> str:
    """The table in ``mime.types`` form, for a real Apache's ``TypesConfig``."""
    return "".join(f"{kind}\t{' '.join(ext for ext, value in TYPES.items() if value == kind)}\n"
                   for kind in dict.fromkeys(TYPES.values()))
