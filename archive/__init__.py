"""The spine: the WARC and everything every stage needs to read or write it.

One capture model (:mod:`archive.capture`), one reader (:mod:`archive.reader`), one writer
(:mod:`archive.warc_writer`), URL keys (:mod:`archive.urls`), content types and charsets
(:mod:`archive.sniff`, :mod:`archive.encoding`), durable writes (:mod:`archive.durable`), the
worker pool (:mod:`archive.workers`) and the error base (:mod:`archive.errors`). These modules
import nothing of sunset's but each other, so every stage can stand on them.

What is made *from* a finished run for other tools (derived WARC, CDXJ, WACZ, BagIt, replay,
package checks) lives in :mod:`archive.package`, which reads outputs on disk.
"""
