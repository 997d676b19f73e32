"""The `ticket-office` command: migrate, load the demo, manage operators, show where data lives.

Every failure ends as a one-line message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence

from ticket_office.config import choose_database, config_file
from ticket_office.domain.errors import TicketOfficeError

EXIT_USAGE = 2
EXIT_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket-office",
        description="Ticket Office: run the desk app (no command) or administer the database.",
    )
    parser.add_argument(
        "--database-url",
        help="central server, e.g. postgresql://user@host/db "
        "(default: $TICKET_OFFICE_DATABASE_URL, the config file, or embedded)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("gui", help="start the desktop app (the default)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    demo = commands.add_parser("load-demo", help="fill an empty database with the demo network")
    demo.add_argument(
        "--scale",
        type=int,
        default=0,
        help="benchmark-sized network: 16-coach trains, 23 stops, 30 x SCALE days",
    )
    demo.add_argument("--sold-days", type=int, default=3, help="days with sample sales")
    commands.add_parser("where", help="show the database in use and the embedded data folder")
    create = commands.add_parser("create-operator", help="add an operator account")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", required=True, choices=["clerk", "conductor", "supervisor"])
    create.add_argument("--station", help="home station code")
    reset = commands.add_parser("reset-password", help="set a temporary password")
    reset.add_argument("username")
    for name, text in (
        ("deactivate", "deactivate an operator"),
        ("reactivate", "reactivate an operator"),
        ("unlock", "clear a lockout"),
    ):
        commands.add_parser(name, help=text).add_argument("username")
    commands.add_parser("operators", help="list operator accounts")
    return parser


def _read_password(prompt: str) -> str:
    if env := os.environ.get("TICKET_OFFICE_NEW_PASSWORD"):
        return env
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat it: ") != first:
        raise TicketOfficeError("The two passwords differ; nothing was changed.")
    return first


def _backend(args: argparse.Namespace, *, load_demo_if_empty: bool = False):  # noqa: ANN202
    from ticket_office.backend import open_backend

    return open_backend(args.database_url, load_demo_if_empty=load_demo_if_empty)


def cmd_migrate(args: argparse.Namespace) -> str:
    from ticket_office.db import schema
    from ticket_office.db.connect import open_database

    opened = open_database(choose_database(args.database_url), migrate_central=True)
    return f"{opened.description}: schema at revision {schema.current_revision(opened.engine)}."


def cmd_load_demo(args: argparse.Namespace) -> str:
    from ticket_office.demo.loader import load_demo

    backend = _backend(args)
    network = load_demo(
        backend.uow,
        scale=args.scale,
        sold_days=args.sold_days,
        progress=lambda message: print(message, flush=True),
    )
    return (
        f"Loaded {len(network.stations)} stations, {len(network.lines)} lines and "
        f"{network.days} days of runs into {backend.server.description}."
    )


def cmd_where(args: argparse.Namespace) -> str:
    from ticket_office.db.embedded import default_data_dir

    choice = choose_database(args.database_url)
    lines = [
        f"Database:      {'embedded' if choice.embedded else choice.url} ({choice.source})",
        f"Embedded data: {default_data_dir() / 'pgdata'}",
        f"Config file:   {config_file()}",
    ]
    return "\n".join(lines)


def _operator_command(action_name: str, *extra: str) -> Callable[[argparse.Namespace], str]:
    """A command calling `services.operators.<action_name>`, imported only when it runs."""

    def run(args: argparse.Namespace) -> str:
        from ticket_office.services import operators
        from ticket_office.services.results import OperatorContext

        action = getattr(operators, action_name)

        backend = _backend(args)
        values = [
            _read_password(f"New password for {args.username}: ")
            if e == "password"
            else getattr(args, e)
            for e in extra
        ]
        action(backend.uow(), OperatorContext.system(), args.username, *values)
        return f"Done: {args.command} {args.username}."

    return run


def cmd_create_operator(args: argparse.Namespace) -> str:
    from ticket_office.services import operators
    from ticket_office.services.results import OperatorContext

    backend = _backend(args)
    password = _read_password(f"Temporary password for {args.username}: ")
    operators.create_operator(
        backend.uow(),
        OperatorContext.system(),
        username=args.username,
        display_name=args.name,
        role=args.role,
        password=password,
        station_code=args.station,
    )
    return f"Created {args.role} {args.username}; they choose their own password at first login."


def cmd_operators(args: argparse.Namespace) -> str:
    from ticket_office.services import operators
    from ticket_office.services.results import OperatorContext

    rows = operators.list_operators(_backend(args).uow(), OperatorContext.system())
    lines = [f"{'username':<16} {'role':<11} {'station':<8} state"]
    for op in rows:
        state = "inactive" if not op.active else "locked" if op.locked_until else "active"
        lines.append(f"{op.username:<16} {op.role.value:<11} {op.station_code or '-':<8} {state}")
    return "\n".join(lines)


def cmd_gui(args: argparse.Namespace) -> str:
    from ticket_office.ui.app import run_app

    raise SystemExit(run_app(args.database_url))


def _commands() -> dict[str, Callable[[argparse.Namespace], str]]:
    # Nothing is imported here: `gui` must reach the login window without loading the
    # database stack first.
    return {
        "gui": cmd_gui,
        "migrate": cmd_migrate,
        "load-demo": cmd_load_demo,
        "where": cmd_where,
        "create-operator": cmd_create_operator,
        "reset-password": _operator_command("reset_password", "password"),
        "deactivate": _operator_command("deactivate"),
        "reactivate": _operator_command("reactivate"),
        "unlock": _operator_command("unlock"),
        "operators": cmd_operators,
    }


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for handler in logging.getLogger().handlers:
        # The terminal shows warnings only, even when the app logs more to its log file.
        handler.setLevel(logging.WARNING)
    args = _parser().parse_args(argv)
    command = _commands()[args.command or "gui"]
    try:
        print(command(args))
    except TicketOfficeError as error:
        print(f"ticket-office: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("ticket-office: interrupted; nothing more was changed.", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
