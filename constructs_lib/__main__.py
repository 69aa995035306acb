"""``python -m constructs_lib``: see constructs_lib/cli.py for the subcommands."""

import sys

from .rules.cli import main

if __name__ == "__main__":
    sys.exit(main())
