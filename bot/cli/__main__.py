"""`python -m bot.cli …` runs the `ouderlijn` command line (used by the crash harness)."""

import sys

from bot.cli import main

sys.exit(main())
