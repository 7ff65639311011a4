"""Entry point of `python -m bot.simulator` (see cli.py)."""

import sys

from bot.simulator.cli import main

sys.exit(main())
