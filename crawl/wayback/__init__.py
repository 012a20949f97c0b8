"""A web archive as a source: the site as a Wayback-style archive (the Internet Archive, pywb,
OpenWayback) holds it on a date, rebuilt into the master WARC with the archive's provenance.

``cdx`` lists what the archive holds, ``choose`` picks a capture per URL, ``fetch`` asks the
archive for its original bytes over one polite connection, ``rebuild`` turns the archive's
answer back into the original response, ``state`` remembers the work on disk, and ``source``
ties them together into :class:`archive.capture.Capture` objects.
"""
