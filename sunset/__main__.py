"""``python -m sunset`` and the ``sunset`` command.

Importing the stages takes a moment; a Ctrl-C in that moment ends quietly, as it does later.
"""
import sys


def run() -> int:
    try:
        from sunset.cli import main

        return main()
    except KeyboardInterrupt:  # main() handles it once a command runs; this is before and around that
        print("sunset: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
