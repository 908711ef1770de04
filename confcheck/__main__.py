"""``python -m confcheck``."""

import sys

from confcheck.cli import main

sys.exit(main())
