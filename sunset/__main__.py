import sys

from sunset.cli import main

sys.exit(main())
