"""`python -m ticket_office`: the same as the `ticket-office` command."""

import sys

from ticket_office.cli import main

sys.exit(main())
