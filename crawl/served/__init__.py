"""The served view: what the old web server answered for each URL of a document root.

A docroot is the server's files, not its answers. Apache ran server-side includes, read
``.htaccess`` files, listed folders without an index page, redirected and refused; IIS matched
names whatever their case. These modules work that out from the files alone, as a server of the
site's kind did, so the mirror and the replay show the site as its readers saw it:

- :mod:`crawl.served.htaccess` reads ``.htaccess`` files and ``httpd.conf`` excerpts into the
  configuration of each folder (what Apache merged per directory);
- :mod:`crawl.served.mime` is the table of types by file name (Apache's ``mime.types``);
- :mod:`crawl.served.ssi` runs server-side includes as mod_include did;
- :mod:`crawl.served.autoindex` writes the listing mod_autoindex made of a folder;
- :mod:`crawl.served.canned` holds the server's own error and redirect pages;
- :mod:`archive.withheld` (in the spine: the mirror asks it too) says which files the server
  never sent as they are (programs, password files, editor leftovers): sunset never publishes them;
- :mod:`crawl.served.view` answers a URL: status, headers, body and the files it was made from.
"""
