"""Sources of captures: a document root on disk, an existing WARC, and (later) an HTTP crawl.

Every source yields :class:`crawl.capture.Capture` objects one at a time, so a site of any
size flows through the pipeline without being held in memory.
"""
