"""Sources of captures: an HTTP crawl, a document root on disk, and an existing WARC.

A source only yields :class:`archive.capture.Capture` (or fetched exchanges) one at a time;
writing them is the spine's job (:mod:`archive.warc_writer`). A new source goes here.
"""
