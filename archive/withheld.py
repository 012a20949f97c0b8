"""Files a server never sent as they lay on disk: programs, their settings, passwords, leftovers.

A fact about a docroot's files that the served view (what the server answered) and the mirror
(what sunset publishes) must agree on, so it lives in the spine.

The old server ran ``db.php`` and ``cgi-bin/guestbook.pl``, refused ``.htpasswd`` and kept
FrontPage's ``_vti_`` folders to itself. Their source holds database passwords and the workings
of the site's programs, so sunset never publishes them: they stay in the master WARC (the record
of the docroot), and the mirror's links to them lead to the page that says the service has
closed. :func:`withheld` says why a file is one of them; None for a file a reader may have.
"""
from __future__ import annotations

import re

PROGRAM_EXTENSIONS = {
    "php": "PHP", "php3": "PHP", "php4": "PHP", "php5": "PHP", "phtml": "PHP", "asp": "ASP", "aspx": "ASP.NET",
    "asa": "ASP", "ascx": "ASP.NET", "asmx": "ASP.NET", "ashx": "ASP.NET", "jsp": "JSP", "jspx": "JSP",
    "cfm": "ColdFusion", "cfml": "ColdFusion", "cfc": "ColdFusion", "pl": "Perl", "pm": "Perl", "cgi": "CGI",
    "py": "Python", "rb": "Ruby", "inc": "include",
}
"""Extensions of server-side programs and the pieces they include (``.inc`` held PHP or ASP code)."""

LEFTOVER_SUFFIXES = (".bak", ".swp", "~", ".orig", ".save")
SECRET_NAMES = {"web.config": "IIS settings", "global.asa": "ASP settings", "global.asax": "ASP.NET settings"}
PROGRAM_FOLDERS = {"cgi-bin", "cgi-local", "fcgi-bin"}
"""Folders whose files a server ran as programs (the usual ``ScriptAlias`` names)."""


def withheld(relative: str, program_folders: frozenset[str] = frozenset()) -> str | None:
    """Why the docroot file at ``relative`` (POSIX, docroot-relative) is never published, or None.

    ``program_folders``: docroot-relative folders the server's config ran as programs
    (``ScriptAlias``, IIS's ``scripts``), besides the usual names.
    """
    parts = relative.split("/")
    name = parts[-1]
    lower = name.lower()
    folders = [part.lower() for part in parts[:-1]]
    for index, folder in enumerate(folders):
        if folder.startswith("_vti_") or folder in ("_private", "_fpclass"):
            return f"FrontPage's own folder ({parts[index]}/): server extensions' data, never served"
        if folder in PROGRAM_FOLDERS or "/".join(parts[: index + 1]) in program_folders:
            return f"a program of {parts[index]}/ (the server ran it; its source was never sent)"
    if lower.startswith(".ht"):
        return "a server file (.ht*): passwords or access rules, refused by the server"
    if lower in SECRET_NAMES:
        return f"{SECRET_NAMES[lower]}: never sent by the server"
    if lower.endswith(LEFTOVER_SUFFIXES) or re.fullmatch(r"#.*#|\..*\.sw[a-p]", lower):
        return "an editor's leftover copy (it may hold what the published page left out)"
    extension = lower.rsplit(".", 1)[1] if "." in lower[1:] else ""
    if extension in PROGRAM_EXTENSIONS:
        return f"{PROGRAM_EXTENSIONS[extension]} source (the server ran it; its source was never sent)"
    return None
