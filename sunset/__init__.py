"""sunset: retire a legacy website into a WARC, structured records and an offline mirror."""

__version__ = "0.1.0"
