"""Packages for other tools, made from a finished run: derived WARC, CDXJ index, WACZ, BagIt,
the pywb replay collection, and the checks that prove them. A new output format goes here."""
