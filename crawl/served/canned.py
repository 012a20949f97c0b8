"""The pages a server wrote itself: its error and redirect answers (no file stood behind them).

Apache 2.4's words and markup (``http_protocol.c``), as the tests' Apache sends them, so a page
that never existed as a file reads as the server's own; IIS's ``The page cannot be found`` family
for ``server = "iis"``.
"""
from __future__ import annotations

from html import escape

REASONS = {
    200: "OK", 301: "Moved Permanently", 302: "Found", 303: "See Other", 307: "Temporary Redirect",
    308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    410: "Gone", 500: "Internal Server Error",
}

APACHE_ERROR_TYPE = "text/html; charset=iso-8859-1"
_DOCTYPE = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'

_APACHE_TEXT = {
    400: "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n",
    401: ("<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either "
          "you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to "
          "supply\nthe credentials required.</p>\n"),
    403: "<p>You don't have permission to access this resource.</p>\n",
    404: "<p>The requested URL was not found on this server.</p>\n",
    410: ("<p>The requested resource is no longer available on this server and there is no forwarding address.\n"
          "Please remove all references to this resource.</p>\n"),
    500: ("<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request."
          "</p>\n<p>Please contact the server administrator at \n you@example.com to inform them of the time this "
          "error occurred,\n and the actions you performed just before this error.</p>\n<p>More information about "
          "this error may be available\nin the server error log.</p>\n"),
}


def status_line(status: int) -> str:
    return f"{status} {REASONS.get(status, 'Unknown Reason')}"


def apache_page(status: int, location: str | None = None, recursive: int | None = None) -> bytes:
    """The body Apache 2.4 wrote for ``status`` when no ErrorDocument said otherwise."""
    title = status_line(status)
    if 300 <= status < 400 and status != 303:
        text = f'<p>The document has moved <a href="{escape(location or "")}">here</a>.</p>\n'
    elif status == 303:
        text = f'<p>The answer to your request is located <a href="{escape(location or "")}">here</a>.</p>\n'
    else:
        text = _APACHE_TEXT.get(status, "")
    extra = ""
    if recursive:
        extra = (f"<p>Additionally, a {status_line(recursive)}\nerror was encountered while trying to use an "
                 "ErrorDocument to handle the request.</p>\n")
    page = (f"{_DOCTYPE}<html><head>\n<title>{title}</title>\n</head><body>\n<h1>{title[4:]}</h1>\n"
            f"{text}{extra}</body></html>\n")
    return page.encode("latin-1")


_IIS_TITLES = {
    403: ("The page cannot be displayed", "You have attempted to execute a CGI, ISAPI, or other executable program "
          "from a directory that does not allow programs to be executed, or a Web site is configured to not list "
          "the contents of this directory."),
    404: ("The page cannot be found", "The page you are looking for might have been removed, had its name "
          "changed, or is temporarily unavailable."),
    401: ("You are not authorized to view this page", "You do not have permission to view this directory or page "
          "using the credentials that you supplied."),
}


def iis_page(status: int, location: str | None = None) -> bytes:
    """What IIS 5/6 sent for an error (its ``The page cannot be found`` pages) or a redirect."""
    if 300 <= status < 400:
        return (f'<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found '
                f'<a HREF="{escape(location or "")}">here</a></body>').encode("latin-1")
    title, text = _IIS_TITLES.get(status, (status_line(status), ""))
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p>"
            f"<p>HTTP Error {status_line(status)}<br>Internet Information Services (IIS)</p></body></html>"
            ).encode("latin-1")
