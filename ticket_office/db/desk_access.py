"""The database roles desks use on a central server: what each kind of desk does, and no more.

Whoever owns the schema (the role that migrates) can drop the exclusion constraint, switch the
hold triggers or the audit trail's append-only trigger off, or delete bookings; a superuser can
do all that and more. So desks connect as roles that are neither. Each kind of desk (counter,
conductor, supervisor) has a group role (db/database_api.py) holding only what that kind reads
and the database API functions it may call; `grant_desk_access ROLE --desk KIND` makes a login
role a member of its kind's group and of no other (running it again narrows as well as widens),
and `schema.upgrade` grants the groups their privileges again after a migration, so new tables
and functions are covered. Give each machine its own login role: members of one group share
privileges but not sessions, so no desk can end another's (pg_terminate_backend needs the
target's role).

What no desk can do: DDL, TRUNCATE, triggers, LOCK TABLE in any mode that blocks writers,
deleting or changing audit events, reading password verifiers, sessions or request records,
changing operators, the network's timetable, layouts, fares or inventory, writing seat holds
(the counter holds and lets go through hold_seats and release_holds, revision 0016), changing
a sold ticket or booking (cancellations and changes are cancel_tickets, change_seats and
move_booking, revision 0019), adding signing keys (add_signing_key, revision 0018), writing
the audit trail (prints are recorded by record_printing, revision 0020), or selling: a sale
is sell_seats, which takes the seller from the session and prices the sale itself (revision
0021), so no desk writes bookings or tickets.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg
from psycopg import sql
from sqlalchemy import Connection, text
from sqlalchemy import exc as sa_exc

from ticket_office.db.database_api import (
    API_ROLE,
    CONDUCTOR_ROLE,
    COUNTER_ROLE,
    DESK_KIND_ROLES,
    SUPERVISOR_ROLE,
)
from ticket_office.db.engine import SESSION_LIMITS, SESSION_SETTINGS
from ticket_office.domain.errors import ValidationError

_READ = ("SELECT",)
_NONE: tuple[str, ...] = ()
# Everything of an operator but the password's salt and verifier.
_OPERATOR_COLUMNS = (
    "SELECT (id, username, display_name, role, home_station_id, active, failed_logins, "
    "locked_until, must_change_password, created_at)",
)

# What the conductor's desk reads: the network, runs, who travels where, and the public keys.
CONDUCTOR_PRIVILEGES: Mapping[str, tuple[str, ...]] = {
    "alembic_version": _READ,
    "api_requests": _NONE,
    "api_secret": _NONE,
    "audit_events": _NONE,
    "bookings": _READ,
    "coach_layouts": _READ,
    "concessions": _READ,
    "fare_rates": _READ,
    "fare_revision": _READ,
    "layout_seats": _READ,
    "operator_sessions": _NONE,
    "operators": _OPERATOR_COLUMNS,
    "route_stops": _READ,
    "routes": _READ,
    "run_seats": _READ,
    "run_stops": _READ,
    "runs": _READ,
    "seat_holds": _READ,
    "service_coaches": _READ,
    "service_exceptions": _READ,
    "service_stops": _READ,
    "services": _READ,
    "sign_in_strangers": _NONE,
    "signing_keys": ("SELECT (id, public_key, created_at, active)",),
    "stations": _READ,
    "tickets": _READ,
}

# The counter reads what the conductor reads, and the sealed private halves of the signing
# keys, to sign with. Every write is a database API function.
COUNTER_PRIVILEGES: Mapping[str, tuple[str, ...]] = {
    **CONDUCTOR_PRIVILEGES,
    "signing_keys": _READ,
}

# A supervisor's group is a member of the other two; it adds only what they lack.
SUPERVISOR_PRIVILEGES: Mapping[str, tuple[str, ...]] = {
    **{table: _NONE for table in CONDUCTOR_PRIVILEGES},
    "audit_events": _READ,
}

# Every kind signs in, out, and asks after a request whose reply was lost.
_EVERY_DESK = (
    "sign_in_salt(text)",
    "sign_in(text, text, text)",
    "change_password(text, text, text, text)",
    "sign_out(text)",
    "request_outcome(text, uuid)",
)
DESK_FUNCTIONS: Mapping[str, tuple[str, ...]] = {
    CONDUCTOR_ROLE: _EVERY_DESK,
    COUNTER_ROLE: (
        *_EVERY_DESK,
        "sell_seats(text, uuid, jsonb)",
        "hold_seats(text, uuid, integer, integer, integer, bigint[], integer)",
        "release_holds(text, integer)",
        "cancel_tickets(text, uuid, text, bigint[])",
        "change_seats(text, uuid, text, bigint[], bigint[])",
        "move_booking(text, uuid, text, bigint, integer, integer, bigint[], bigint[])",
        "record_printing(text, text, bigint[], smallint, boolean)",
    ),
    SUPERVISOR_ROLE: (
        *_EVERY_DESK,
        "create_operator(text, text, text, text, text, text, boolean)",
        "reset_password(text, text, text)",
        "set_operator_active(text, text, boolean)",
        "unlock_operator(text, text)",
        "add_signing_key(text, bytea, bytea)",
    ),
}
GROUP_PRIVILEGES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    CONDUCTOR_ROLE: CONDUCTOR_PRIVILEGES,
    COUNTER_ROLE: COUNTER_PRIVILEGES,
    SUPERVISOR_ROLE: SUPERVISOR_PRIVILEGES,
}
DESK_KINDS = tuple(DESK_KIND_ROLES)

MAX_ROLE_NAME = 63  # PostgreSQL's NAMEDATALEN - 1

_ROLE = text(
    """
    SELECT r.rolsuper, pg_has_role(r.oid, o.relowner, 'MEMBER') AS owns
    FROM pg_roles r, pg_class o
    WHERE r.rolname = :role AND o.oid = 'public.audit_events'::regclass
    """
)

# GRANT by a role without the right only warns; say so before, not after.
_MAY_GRANT = text(
    """
    SELECT pg_has_role(current_user, o.relowner, 'USAGE')
    FROM pg_class o WHERE o.oid = 'public.audit_events'::regclass
    """
)

# Login roles of the kinds' groups (direct members only: the supervisor's group is itself a
# member of the other two).
_DESK_ROLES = text(
    """
    SELECT m.rolname, k.rolname AS kind_role
    FROM pg_auth_members am
    JOIN pg_roles k ON k.oid = am.roleid
    JOIN pg_roles m ON m.oid = am.member
    WHERE k.rolname = ANY(:kinds) AND m.rolname <> ALL(:kinds)
    ORDER BY m.rolname
    """
)

# Before revision 0014, a desk role held its privileges itself: one that may write audit
# events without owning them.
_LEGACY_DESK_ROLES = text(
    """
    SELECT r.rolname
    FROM pg_class c
    CROSS JOIN LATERAL aclexplode(c.relacl) AS a
    JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = 'public.audit_events'::regclass AND a.privilege_type = 'INSERT'
      AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER') AND r.rolname <> ALL(:kinds)
    ORDER BY r.rolname
    """
)

_TABLES = text(
    """
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
    ORDER BY c.relname
    """
)

_SEQUENCES_OF = text(
    """
    SELECT s.relname
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY(:tables)
    ORDER BY s.relname
    """
)


def _identifier(conn: Connection, name: str) -> str:
    return sql.Identifier(name).as_string(conn.connection.driver_connection)


def _run(conn: Connection, statement: str) -> None:
    """A statement with identifiers already quoted, sent with no parameters (a role name may
    hold a %, which the driver would otherwise read as a placeholder)."""
    conn.exec_driver_sql(statement.replace("%", "%%"))


def check_role_name(role: object) -> str:
    if not isinstance(role, str) or not role or not role.isprintable():
        raise ValidationError("Give the name of an existing database role.", field="role")
    if len(role.encode()) > MAX_ROLE_NAME:
        raise ValidationError(
            f"A database role name has at most {MAX_ROLE_NAME} bytes.", field="role"
        )
    return role


def check_desk_kind(desk: object) -> str:
    if desk not in DESK_KIND_ROLES:
        raise ValidationError(f"Choose the kind of desk: {', '.join(DESK_KINDS)}.", field="desk")
    return str(desk)


def grant_desk_access(conn: Connection, role: str, desk: str = "counter") -> bool:
    """Make `role` a desk of kind `desk` (counter, conductor or supervisor), and nothing else.

    Refuses a missing role (naming the SQL that makes one), a superuser, the schema's owner and
    the kinds' own group roles: for those, privileges mean nothing. Also gives the role, in
    this database, the session limits the app sets on its own connections (engine.py), for any
    other client of its credential; False if the granting role may not alter roles (then only
    the app's own connections have them). They are defaults, not a guard: a session may SET
    other values.
    """
    role = check_role_name(role)
    kind_role = DESK_KIND_ROLES[check_desk_kind(desk)]
    _check_may_grant(conn)
    found = conn.execute(_ROLE, {"role": role}).first()
    if found is None:
        raise ValidationError(
            f"There is no database role {role!r}. Ask the database administrator to create it "
            f"first, for example: CREATE ROLE {_identifier(conn, role)} LOGIN PASSWORD '…';",
            field="role",
        )
    if found.rolsuper:
        raise ValidationError(
            f"{role!r} is a superuser: no privilege can stop it. Desks need an ordinary role.",
            field="role",
        )
    if found.owns:
        raise ValidationError(
            f"{role!r} owns the Ticket Office tables (or is a member of their owner), so it "
            "can drop their constraints. Desks need a role of their own.",
            field="role",
        )
    if role in DESK_KIND_ROLES.values() or role.startswith("ticket_office_"):
        raise ValidationError(
            f"{role!r} is one of Ticket Office's own roles. Desks need a login role of their own.",
            field="role",
        )
    _apply_groups(conn)
    quoted_role = _identifier(conn, role)
    _revoke_all(conn, quoted_role)
    _leave_groups(conn, quoted_role)
    _run(conn, f"GRANT {kind_role} TO {quoted_role}")
    return _role_settings(conn, quoted_role, _SET_LIMITS)


def session_limits_sql(conn: Connection, role: str) -> str:
    """What an administrator runs to give `role` the session limits in this database."""
    quoted_role, database = _identifier(conn, role), _database(conn)
    return " ".join(
        f"ALTER ROLE {quoted_role} IN DATABASE {database} SET {name} = '{SESSION_SETTINGS[name]}';"
        for name in SESSION_LIMITS
    )


def revoke_desk_access(conn: Connection, role: str) -> None:
    role = check_role_name(role)
    _check_may_grant(conn)
    if conn.execute(_ROLE, {"role": role}).first() is None:
        raise ValidationError(f"There is no database role {role!r}.", field="role")
    quoted_role = _identifier(conn, role)
    _revoke_all(conn, quoted_role)
    _leave_groups(conn, quoted_role)
    _role_settings(conn, quoted_role, [f"RESET {name}" for name in SESSION_LIMITS])


def desk_roles(conn: Connection) -> list[str]:
    """The login roles granted desk access on this server, whatever their kind."""
    return list(desk_kinds(conn))


def desk_kinds(conn: Connection) -> dict[str, str]:
    """Each desk login role and its kind (counter, conductor or supervisor)."""
    kind_of = {group: kind for kind, group in DESK_KIND_ROLES.items()}
    rows = conn.execute(_DESK_ROLES, {"kinds": list(DESK_KIND_ROLES.values())})
    return {row.rolname: kind_of[row.kind_role] for row in rows}


def regrant_desk_roles(conn: Connection) -> list[str]:
    """Grant the kinds' groups their privileges again: after a migration, new tables and
    functions need them. A desk role from before the groups existed becomes a counter. Every
    desk role gets the session limits in this database again, where the migrating role may."""
    _apply_groups(conn)
    ours = [API_ROLE, *DESK_KIND_ROLES.values()]
    for legacy in conn.execute(_LEGACY_DESK_ROLES, {"kinds": ours}).scalars().all():
        grant_desk_access(conn, legacy, "counter")
    roles = desk_roles(conn)
    for role in roles:  # a database restored from a dump has lost them, say
        _role_settings(conn, _identifier(conn, role), _SET_LIMITS)
    return roles


def unlisted_tables(conn: Connection) -> list[str]:
    """Tables the schema has and some kind's privileges do not decide about (should be none)."""
    names = conn.execute(_TABLES).scalars().all()
    return [
        name
        for name in names
        if any(name not in privileges for privileges in GROUP_PRIVILEGES.values())
    ]


def _check_may_grant(conn: Connection) -> None:
    if not conn.execute(_MAY_GRANT).scalar_one():
        user = conn.execute(text("SELECT current_user")).scalar_one()
        raise ValidationError(
            f"{user!r} does not own the Ticket Office tables, so it cannot grant or revoke "
            "their privileges. Run this as the role that migrates the schema."
        )


def _apply_groups(conn: Connection) -> None:
    # PostgreSQL lets PUBLIC execute every new function, and a per-schema default cannot take
    # that away: a revision that forgets to revoke is covered here, after every upgrade.
    _run(conn, "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC")
    _run(conn, "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
    for group, privileges in GROUP_PRIVILEGES.items():
        _apply(conn, group, privileges, DESK_FUNCTIONS[group])


def _apply(
    conn: Connection,
    role: str,
    privileges_by_table: Mapping[str, tuple[str, ...]],
    functions: tuple[str, ...],
) -> None:
    quoted_role = _identifier(conn, role)
    _revoke_all(conn, quoted_role)
    # PUBLIC may use the schema unless an administrator revoked that; then the desk needs it.
    if not conn.execute(
        text("SELECT has_schema_privilege(:role, 'public', 'USAGE')"), {"role": role}
    ).scalar_one():
        _run(conn, f"GRANT USAGE ON SCHEMA public TO {quoted_role}")
    # One GRANT per kind of access, not one per table.
    tables_by_privileges: dict[tuple[str, ...], list[str]] = {}
    for table, privileges in privileges_by_table.items():
        if privileges:
            tables_by_privileges.setdefault(privileges, []).append(f"public.{table}")
    for privileges, tables in tables_by_privileges.items():
        _run(conn, f"GRANT {', '.join(privileges)} ON {', '.join(tables)} TO {quoted_role}")
    inserted = [table for table, granted in privileges_by_table.items() if "INSERT" in granted]
    sequences = [
        f"public.{_identifier(conn, name)}"
        for name in conn.execute(_SEQUENCES_OF, {"tables": inserted}).scalars()
    ]
    if sequences:
        _run(conn, f"GRANT USAGE ON SEQUENCE {', '.join(sequences)} TO {quoted_role}")
    if functions:
        listed = ", ".join([f"public.{signature}" for signature in functions])
        _run(conn, f"GRANT EXECUTE ON FUNCTION {listed} TO {quoted_role}")


_SET_LIMITS = [f"SET {name} = '{SESSION_SETTINGS[name]}'" for name in SESSION_LIMITS]


def _database(conn: Connection) -> str:
    return _identifier(conn, conn.execute(text("SELECT current_database()")).scalar_one())


def _role_settings(conn: Connection, quoted_role: str, changes: list[str]) -> bool:
    """ALTER ROLE ... IN DATABASE (this one) for each change; False, changing nothing, if the
    connected role may not (it needs CREATEROLE and the ADMIN option on the role, or to be a
    superuser), which does not undo the rest of the grant."""
    database = _database(conn)
    try:
        with conn.begin_nested():
            for change in changes:
                _run(conn, f"ALTER ROLE {quoted_role} IN DATABASE {database} {change}")
    except sa_exc.DBAPIError as exc:
        if isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
            return False
        raise
    return True


def _leave_groups(conn: Connection, quoted_role: str) -> None:
    _run(conn, f"REVOKE {', '.join(DESK_KIND_ROLES.values())} FROM {quoted_role}")


def _revoke_all(conn: Connection, quoted_role: str) -> None:
    _run(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted_role}")
    _run(conn, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted_role}")
    _run(conn, f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {quoted_role}")
