"""Size limits more than one stage reads by: each number once, so the stages cannot drift apart.

A limit one module alone applies (the crawl's ``max_body_bytes``, the HTTP head allowance) stays
with that module; a limit two stages must agree on lives here.
"""
from __future__ import annotations

MAX_PAGE_BYTES = 8 * 1024 * 1024
"""How much of one page or style sheet is read to be parsed, rewritten or searched for links: the
default of ``[output] max_page_bytes`` (normalize, the mirror, the reconstruction), and what the
crawler's link discovery and the writer's charset label read. A page longer than this is cut in
the records and the mirror (and said so); the WARC keeps it whole. One hostile page cannot
exhaust memory, and the crawl finds the links of what the mirror rewrites."""
