"""The archival master: WARC writing and verification (later: index and packaging)."""
