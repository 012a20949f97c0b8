"""Captures to structured records: encoding, markup scanning, text, links."""
