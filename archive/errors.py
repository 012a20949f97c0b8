"""Errors a person can act on. The CLI catches :class:`SunsetError` once and prints it."""
from __future__ import annotations


class SunsetError(Exception):
    """Base of every error sunset reports to its user; the message says what to do."""

    exit_code = 1


class ConfigError(SunsetError):
    """A config file that cannot be used: names the file, the line and the key."""

    exit_code = 2


class StageInputError(SunsetError):
    """A stage was asked to run before the stage it depends on produced its output."""

    exit_code = 3


class SourceError(SunsetError):
    """A source of captures cannot be read at all (a docroot that is not a folder); the run
    prefixes the config file that names it."""
