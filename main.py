"""Start Ticket Office: `python main.py` opens the desk app; `--help` lists the commands."""

import sys

from ticket_office.cli import main

if __name__ == "__main__":
    sys.exit(main())
