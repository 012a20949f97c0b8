"""crawl.served.htaccess and crawl.served.folders: reading Apache's configuration, merging it per folder."""
from __future__ import annotations

import pytest

from crawl.served.htaccess import (
    Access,
    DirConfig,
    apply_all,
    for_file,
    parse_config,
    split_args,
)
from crawl.served.folders import server_config


@pytest.mark.parametrize("line, words", [
    ('Redirect permanent /a "http://x/b c"', ["Redirect", "permanent", "/a", "http://x/b c"]),
    ("ErrorDocument 404 'Not \\'here'", ["ErrorDocument", "404", "Not 'here"]),
    ("  Options   +Indexes\t-Includes ", ["Options", "+Indexes", "-Includes"]),
    ('AddType "" .x', ["AddType", "", ".x"]),
])
def test_split_args(line: str, words: list[str]) -> None:
    assert split_args(line) == words


def config(text: str, base: DirConfig | None = None) -> DirConfig:
    return apply_all(base or DirConfig(), parse_config(text, ".htaccess").directives)


@pytest.mark.parametrize("lines, options", [
    ("Options Indexes Includes", {"Indexes", "Includes"}),
    ("Options +Indexes", {"FollowSymLinks", "Indexes"}),
    ("Options -FollowSymLinks +IncludesNOEXEC", {"IncludesNOEXEC"}),
    ("Options All", {"Indexes", "Includes", "FollowSymLinks", "SymLinksIfOwnerMatch", "ExecCGI"}),
    ("Options None", set()),
    ("Options Includes\nOptions +IncludesNOEXEC", {"IncludesNOEXEC"}),
    ("Options IncludesNOEXEC\nOptions -Includes", set()),
])
def test_options_merge_as_apache_did(lines: str, options: set[str]) -> None:
    assert config(lines).options == options


def test_each_directive_lands_where_the_view_reads_it() -> None:
    found = config("""
DirectoryIndex index.shtml index.html
Redirect /old.html http://example.org/new.html
RedirectPermanent /a /b
RedirectMatch 301 ^/x/(.*)$ /y/$1
Redirect gone /gone
ErrorDocument 404 /404.shtml
ErrorDocument 403 "Go away
AddType text/plain .log
AddCharset windows-1252 .w52
AddHandler server-parsed .html
AddOutputFilter INCLUDES .htm
ForceType text/plain
DefaultType text/html
AddDefaultCharset On
XBitHack full
SSIErrorMsg "[broken]"
SSITimeFormat "%Y"
SSIUndefinedEcho "-"
IndexOptions FancyIndexing FoldersFirst NameWidth=*
IndexIgnore *.bak README
""")
    assert found.directory_index == ("index.shtml", "index.html")
    assert [(r.status, r.pattern, r.target, r.regex) for r in found.redirects] == [
        (302, "/old.html", "http://example.org/new.html", False), (301, "/a", "/b", False),
        (301, "^/x/(.*)$", "/y/$1", True), (410, "/gone", None, False)]
    assert found.error_document(404) == "/404.shtml" and found.error_document(403) == "Go away"
    assert dict(found.types) == {"log": "text/plain"} and dict(found.charsets) == {"w52": "windows-1252"}
    assert dict(found.handlers) == {"html": "server-parsed"} and dict(found.filters) == {"htm": "INCLUDES"}
    assert (found.force_type, found.default_type, found.default_charset) == ("text/plain", "text/html", "iso-8859-1")
    assert (found.xbithack, found.ssi_errmsg, found.ssi_timefmt, found.ssi_undefined_echo) == \
        ("full", "[broken]", "%Y", "-")
    assert found.index.fancy and found.index.folders_first and found.index.name_width is None
    assert found.index.ignore == ("*.bak", "README")
    assert found.unknown == ()


def test_directives_not_emulated_are_kept_for_the_report() -> None:
    found = config("""
Options +Indexes
Header set X-Frame-Options DENY
AddIcon /icons/text.gif .txt
FooBar on
RewriteEngine On
RewriteCond %{HTTP_USER_AGENT} MSIE
RewriteRule ^a$ b [R]
RewriteRule ^c$ d [T=text/plain]
<Location /status>
SetHandler server-status
</Location>
""")
    assert [directive.text() for directive in found.unknown] == [
        "FooBar on", "RewriteRule ^a$ b [R]", "RewriteRule ^c$ d [T=text/plain]", "<Location /status>"]
    assert found.unknown[0].place == ".htaccess:5"


@pytest.mark.parametrize("lines, status", [
    ("", None),
    ("Require all denied", 403),
    ("Require all granted", None),
    ("Order allow,deny\nAllow from all", None),
    ("Order allow,deny", 403),
    ("Order deny,allow\nDeny from all", 403),
    ("Order deny,allow\nDeny from all\nAllow from .example.edu", 403),
    ("Order deny,allow\nDeny from all\nAllow from all", None),
    ("AuthType Basic\nAuthName x\nAuthUserFile /x\nRequire valid-user", 401),
    ("Require ip 10.0.0.0/8", 403),
    ("<Limit GET>\nRequire all denied\n</Limit>", 403),
    ("<Limit POST>\nRequire all denied\n</Limit>", None),
    ("<IfModule mod_rewrite.c>\nRequire all denied\n</IfModule>", 403),
    ("<IfModule !mod_rewrite.c>\nRequire all denied\n</IfModule>", None),
])
def test_who_got_in(lines: str, status: int | None) -> None:
    assert config(lines).access.status() == status


def test_files_sections_apply_to_matching_names_only() -> None:
    folder = config('<Files ~ "^\\.ht">\nRequire all denied\n</Files>\n<FilesMatch "\\.(bak|old)$">\n'
                    'Require all denied\n</FilesMatch>\n<Files readme>\nForceType text/plain\n</Files>')
    assert for_file(folder, ".htpasswd").access.status() == 403
    assert for_file(folder, "page.html.bak").access.status() == 403
    assert for_file(folder, "page.html").access.status() is None
    assert for_file(folder, "readme").force_type == "text/plain"
    assert Access().status() is None


def test_rewrite_rules_belong_to_the_folder_they_were_written_in() -> None:
    parent = apply_all(DirConfig(), parse_config("RewriteEngine On\nRewriteRule ^a$ b [R]", "x").directives, "dept")
    assert parent.rewrite.folder == "dept" and len(parent.rewrite.rules) == 1
    child = apply_all(parent, parse_config("RewriteRule ^c$ d [R]", "y").directives, "dept/sub")
    assert child.rewrite.folder == "dept/sub" and [rule.pattern for rule in child.rewrite.rules] == ["^c$"]
    assert child.rewrite.engine


def test_unclosed_sections_are_problems() -> None:
    parsed = parse_config("<Files x>\nRequire all denied\n", ".htaccess")
    assert parsed.problems == (".htaccess:1: <Files x> is never closed",)
    assert parse_config("</Files>", "h").problems == ("h:1: </Files> closes no section",)


def test_server_config_maps_the_old_paths_onto_the_docroot() -> None:
    server = server_config([("""
DocumentRoot "/usr/local/apache/htdocs"
ScriptAlias /cgi-bin/ "/usr/local/apache/cgi-bin/"
Alias /manual/ "/usr/local/apache/htdocs/manual/"
Alias /icons/ "/usr/local/apache/icons/"
Redirect permanent /old http://www.example.edu/new
AccessFileName .acl
<Directory />
    Options None
</Directory>
<Directory "/usr/local/apache/htdocs/dept">
    Options +Indexes
</Directory>
<Directory "/home/*/public_html">
    Options +Includes
</Directory>
<Directory "/var/www">
    Options +ExecCGI
</Directory>
""", "httpd.conf")], DirConfig())
    assert [(alias.url_path, alias.folder, alias.script) for alias in server.aliases] == [
        ("/cgi-bin/", None, True), ("/manual/", "manual", False), ("/icons/", None, False)]
    assert [section for section, _ in server.directories] == ["", "dept", "*/home/*/public_html"]
    assert server.redirects[0].target == "http://www.example.edu/new"
    assert server.access_file == ".acl" and server.document_root == "/usr/local/apache/htdocs"
