"""``python -m sunset`` and the ``sunset`` command.

Importing the stages takes a moment; a Ctrl-C in that moment ends quietly, as it does later
(:mod:`sunset.interrupt`, whose handler also catches one a library's import would swallow).
"""
import signal
import sys

from sunset import interrupt


def run() -> int:
    try:
        with interrupt.handled():
            from sunset.cli import main

            code = main()
    except KeyboardInterrupt:  # main() handles it once a command runs; this is before and around that
        print("sunset: interrupted", file=sys.stderr)
        return 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: a Ctrl-C now would only garble Python's exit
    return code


if __name__ == "__main__":
    sys.exit(run())
