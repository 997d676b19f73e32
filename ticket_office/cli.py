"""The `ticket-office` command: migrate, load the demo, manage operators, show where data lives.

Every failure ends as a one-line message and a non-zero exit code, never a traceback: errors
written for people are shown as they are, a database's refusal as its one-line reason, and
anything unexpected as one line pointing to the log file (`--debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from ticket_office import terminal
from ticket_office.cli_database import open_chosen_database, remember_database_password
from ticket_office.config import choose_database, config_file, log_file, masked_url
from ticket_office.domain.errors import TicketOfficeError
from ticket_office.domain.roles import Role

EXIT_FAILED = 1
NEW_PASSWORD_ENV = "TICKET_OFFICE_NEW_PASSWORD"
SIGN_IN_PASSWORD_ENV = "TICKET_OFFICE_SIGN_IN_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ticket-office",
        description="Ticket Office: run the desk app (no command) or administer the database.",
    )
    parser.add_argument(
        "--database-url",
        help="central server, e.g. postgresql://user@host/db; its password comes from the "
        "system keyring or is asked for (default: $TICKET_OFFICE_DATABASE_URL, the config "
        "file, or embedded)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected error"
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
    remember = commands.add_parser(
        "remember-database-password",
        help="check a central server's password and keep it in the system keyring",
    )
    remember.add_argument(
        "--forget", action="store_true", help="remove it from the keyring instead"
    )
    create = commands.add_parser("create-operator", help="add an operator account")
    _signs_in_as(create)
    create.add_argument("username")
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--station", help="home station code")
    reset = commands.add_parser("reset-password", help="set a temporary password")
    _signs_in_as(reset)
    reset.add_argument("username")
    for name, text in (
        ("deactivate", "deactivate an operator"),
        ("reactivate", "reactivate an operator"),
        ("unlock", "clear a lockout"),
    ):
        account = commands.add_parser(name, help=text)
        _signs_in_as(account)
        account.add_argument("username")
    _signs_in_as(commands.add_parser("operators", help="list operator accounts"))
    _signs_in_as(
        commands.add_parser(
            "create-signing-key",
            help="make a new ticket-signing key, sealed with this machine's signing secret "
            "(the first one, or a rotation)",
        )
    )
    grant = commands.add_parser(
        "grant-desk-access",
        help="let a database role run desks: the app's privileges, no more (central server)",
    )
    grant.add_argument("role", help="an existing role, neither the schema owner nor superuser")
    grant.add_argument(
        "--desk",
        choices=("counter", "conductor", "supervisor"),
        default="counter",
        help="the kind of desk this role runs: each may call only its own functions",
    )
    commands.add_parser(
        "revoke-desk-access", help="take a database role's desk privileges away"
    ).add_argument("role")
    return parser


def _signs_in_as(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as",
        dest="as_operator",
        metavar="SUPERVISOR",
        help="act as this supervisor, signing in (password from $"
        f"{SIGN_IN_PASSWORD_ENV} or asked for): needed with a desk's database URL; without it "
        "the command acts as the database owner, whose URL it must then be given",
    )


@contextlib.contextmanager
def _acting(args: argparse.Namespace, backend) -> Iterator:
    """Who the account command acts as: the supervisor of --as, signed in for the command's
    length, or the database owner on its own connection (the server refuses anyone else)."""
    from ticket_office.services.results import OperatorContext

    if not args.as_operator:
        yield OperatorContext.system()
        return
    if env := os.environ.get(SIGN_IN_PASSWORD_ENV):
        password = terminal.checked_text(env, "password", f"${SIGN_IN_PASSWORD_ENV}")
    else:
        password = terminal.ask_secret(f"Password for {args.as_operator}: ")
    supervisor = backend.services.log_in(args.as_operator, password)
    try:
        yield supervisor
    finally:
        backend.services.sign_out(supervisor)


def _read_password(prompt: str) -> str:
    """An operator's new password: from the environment, piped in, or typed twice."""
    if env := os.environ.get(NEW_PASSWORD_ENV):
        return terminal.checked_text(env, "password", f"${NEW_PASSWORD_ENV}")
    if not terminal.is_interactive():
        return terminal.piped_secret("password")
    return terminal.ask_secret(prompt, repeat=True)


def _backend(args: argparse.Namespace):
    from ticket_office.backend import open_backend

    return open_chosen_database(
        args.database_url, lambda choice: open_backend(choice=choice, load_demo_if_empty=False)
    )


def cmd_migrate(args: argparse.Namespace) -> str:
    from ticket_office.db import schema
    from ticket_office.db.connect import open_database

    opened = open_chosen_database(
        args.database_url, lambda choice: open_database(choice, migrate_central=True)
    )
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
    shown = "embedded" if choice.url is None else masked_url(choice.url)
    lines = [
        f"Database:      {shown} ({choice.source})",
        f"Embedded data: {default_data_dir() / 'pgdata'}",
        f"Config file:   {config_file()}",
    ]
    return "\n".join(lines)


def cmd_remember_database_password(args: argparse.Namespace) -> str:
    return remember_database_password(args.database_url, forget=args.forget)


def _operator_command(action_name: str, *extra: str) -> Callable[[argparse.Namespace], str]:
    """A command calling `services.operators.<action_name>`, imported only when it runs."""

    def run(args: argparse.Namespace) -> str:
        from ticket_office.services import operators

        action = getattr(operators, action_name)

        backend = _backend(args)
        values = [
            _read_password(f"New password for {args.username}: ")
            if e == "password"
            else getattr(args, e)
            for e in extra
        ]
        with _acting(args, backend) as actor:
            action(backend.uow(), actor, args.username, *values)
        return f"Done: {args.command} {args.username}."

    return run


def cmd_create_operator(args: argparse.Namespace) -> str:
    from ticket_office.services import operators

    backend = _backend(args)
    password = _read_password(f"Temporary password for {args.username}: ")
    with _acting(args, backend) as actor:
        operators.create_operator(
            backend.uow(),
            actor,
            username=args.username,
            display_name=args.name,
            role=args.role,
            password=password,
            station_code=args.station,
        )
    return f"Created {args.role} {args.username}; they choose their own password at first login."


def cmd_operators(args: argparse.Namespace) -> str:
    from ticket_office.services import operators

    backend = _backend(args)
    with _acting(args, backend) as actor:
        rows = operators.list_operators(backend.uow(), actor)
    lines = [f"{'username':<16} {'role':<11} {'station':<8} state"]
    for op in rows:
        state = "inactive" if not op.active else "locked" if op.locked_until else "active"
        lines.append(f"{op.username:<16} {op.role.value:<11} {op.station_code or '-':<8} {state}")
    return "\n".join(lines)


def cmd_create_signing_key(args: argparse.Namespace) -> str:
    from ticket_office.services import ticket_signing

    backend = _backend(args)
    with _acting(args, backend) as actor:
        key_id = ticket_signing.create_signing_key(backend.uow(), actor)
    return (
        f"Created ticket-signing key {key_id} on {backend.server.description}; tickets are "
        "signed with it from now on and tickets signed with older keys stay valid. It is sealed "
        "with this machine's signing secret: desks with another secret go on signing with the "
        "newest key theirs opens. Conductors' devices need the new key before they meet its "
        "tickets."
    )


def cmd_grant_desk_access(args: argparse.Namespace) -> str:
    from ticket_office.db import desk_access

    limits: list[str] = []

    def grant(conn, role: str) -> None:
        if not desk_access.grant_desk_access(conn, role, args.desk):
            limits.append(desk_access.session_limits_sql(conn, role))

    description = _with_owner_connection(args, grant)
    granted = (
        f"{args.role} may now run {args.desk} desks on {description}: it reads what that desk "
        "shows and writes only through that desk's database functions, as the operator signed "
        "in; it cannot change the schema, its constraints or triggers, operators, prices or the "
        "audit trail. Desks name it in their database URL; `migrate` keeps its privileges up "
        "to date. Give each machine its own role, so no desk can end another's session."
    )
    if not limits:
        from ticket_office.db.engine import SESSION_LIMITS, SESSION_SETTINGS

        shown = ", ".join(f"{name} = {SESSION_SETTINGS[name]}" for name in SESSION_LIMITS)
        return f"{granted}\nIts sessions in this database start with {shown}."
    return (
        f"{granted}\nThe session limits were not set on the role: this role may not alter "
        "roles (that needs CREATEROLE with the ADMIN option on it, or a superuser). The app "
        "sets them on its own connections anyway; for any other client of this credential, an "
        f"administrator can run: {limits[0]}"
    )


def cmd_revoke_desk_access(args: argparse.Namespace) -> str:
    from ticket_office.db import desk_access

    description = _with_owner_connection(args, desk_access.revoke_desk_access)
    return f"{args.role} has no desk privileges on {description} any more."


def _with_owner_connection(args: argparse.Namespace, change: Callable) -> str:
    """Run `change(connection, role)` in one transaction as the role this command connects as."""
    from ticket_office.db.connect import open_database

    opened = open_chosen_database(
        args.database_url, lambda choice: open_database(choice, pool_size=1)
    )
    try:
        with opened.engine.begin() as conn:
            change(conn, args.role)
    finally:
        opened.engine.dispose()
    return opened.description


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
        "remember-database-password": cmd_remember_database_password,
        "create-operator": cmd_create_operator,
        "reset-password": _operator_command("reset_password", "password"),
        "deactivate": _operator_command("deactivate"),
        "reactivate": _operator_command("reactivate"),
        "unlock": _operator_command("unlock"),
        "operators": cmd_operators,
        "create-signing-key": cmd_create_signing_key,
        "grant-desk-access": cmd_grant_desk_access,
        "revoke-desk-access": cmd_revoke_desk_access,
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
        sys.stdout.flush()  # a closed pipe shows here, not in Python's exit
    except TicketOfficeError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted; nothing more was changed.")
    except BrokenPipeError:
        # The reader (`head`, say) has gone: stop quietly, and keep the interpreter from
        # failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as error:
        if args.debug:
            raise
        if reason := _database_refusal(error):
            return _fail(f"the database refused: {reason}")
        where = _log_traceback(args.command or "gui", error)
        return _fail(f"unexpected error ({_first_line(error)}). {where}")
    return 0


def _fail(message: str) -> int:
    print(f"ticket-office: {message}", file=sys.stderr)
    return EXIT_FAILED


def _database_refusal(error: Exception) -> str | None:
    """The server's one-line reason, for a database error no layer below turned into text."""
    import psycopg
    from sqlalchemy import exc as sa_exc

    driver_error = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(driver_error, psycopg.errors.InsufficientPrivilege) and "function" in str(
        driver_error
    ):
        return (
            "this database role may not call that function. Operator accounts and ticket keys "
            "are managed with the database owner's URL on the database host, or from a "
            "supervisor's sign-in at a supervisor's desk. "
            f"(The server said: {str(driver_error).strip().splitlines()[0]})"
        )
    if isinstance(driver_error, psycopg.Error):
        return (str(driver_error).strip().splitlines() or [type(driver_error).__name__])[0]
    return None


def _first_line(error: BaseException) -> str:
    text = (str(error).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _log_traceback(command: str, error: BaseException) -> str:
    """Append the traceback to the app's log file; say where it went. (Not the command line
    itself: a --database-url may carry a password.)"""
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            stamp = datetime.now().isoformat(sep=" ", timespec="seconds")
            log.write(f"{stamp} ERROR ticket_office.cli: unexpected error in {command}\n")
            traceback.print_exception(error, file=log)
    except OSError:
        return "Run it again with --debug to see the details."
    return f"The details are in {path}; --debug shows them here."


if __name__ == "__main__":
    sys.exit(main())
