"""The database role desks use on a central server: what the app does, and nothing more.

Whoever owns the schema (the role that migrates) can drop the exclusion constraint, switch the
hold triggers or the audit trail's append-only trigger off, or delete bookings; a superuser can
do all that and more. So desks should connect as a role that is neither, holding only the
privileges the app uses. `grant_desk_access` gives an existing role exactly those (it revokes
anything else first, so running it again narrows as well as widens), and `schema.upgrade`
grants them again to every such role after a migration, so new tables are covered.

What no desk can do with these privileges: DDL, TRUNCATE, triggers, deleting or changing audit
events, deleting bookings, tickets or operators, changing the network's timetable, layouts or
fares (supervisor screens will widen this list when they are built).
"""

from __future__ import annotations

from collections.abc import Mapping

from psycopg import sql
from sqlalchemy import Connection, text

from ticket_office.domain.errors import ValidationError

_READ = ("SELECT",)

# Per table, what the app's own statements need. SELECT ... FOR UPDATE needs UPDATE on at
# least one column: on run_seats that column is run_id, which a trigger refuses to change.
DESK_PRIVILEGES: Mapping[str, tuple[str, ...]] = {
    "alembic_version": _READ,
    "audit_events": ("SELECT", "INSERT"),
    "bookings": ("SELECT", "INSERT", "UPDATE"),
    "coach_layouts": _READ,
    "concessions": _READ,
    "fare_rates": _READ,
    "fare_revision": _READ,
    "layout_seats": _READ,
    "operators": ("SELECT", "INSERT", "UPDATE"),
    "route_stops": _READ,
    "routes": _READ,
    "run_seats": ("SELECT", "INSERT", "UPDATE (run_id)"),
    "run_stops": ("SELECT", "INSERT"),
    "runs": ("SELECT", "INSERT"),
    "seat_holds": ("SELECT", "INSERT", "UPDATE", "DELETE"),
    "service_coaches": _READ,
    "service_exceptions": _READ,
    "service_stops": _READ,
    "services": _READ,
    "signing_keys": ("SELECT", "INSERT"),
    "stations": _READ,
    "tickets": ("SELECT", "INSERT", "UPDATE"),
}

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

# A desk role is one that may write audit events without owning them (every desk does).
_DESK_ROLES = text(
    """
    SELECT r.rolname
    FROM pg_class c
    CROSS JOIN LATERAL aclexplode(c.relacl) AS a
    JOIN pg_roles r ON r.oid = a.grantee
    WHERE c.oid = 'public.audit_events'::regclass AND a.privilege_type = 'INSERT'
      AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER')
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


def grant_desk_access(conn: Connection, role: str) -> None:
    """Give `role` the desk privileges and nothing else on this database's tables.

    Refuses a missing role (naming the SQL that makes one), a superuser and the schema's owner:
    for those, privileges mean nothing.
    """
    role = check_role_name(role)
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
    _apply(conn, role)


def revoke_desk_access(conn: Connection, role: str) -> None:
    role = check_role_name(role)
    _check_may_grant(conn)
    if conn.execute(_ROLE, {"role": role}).first() is None:
        raise ValidationError(f"There is no database role {role!r}.", field="role")
    _revoke_all(conn, _identifier(conn, role))


def desk_roles(conn: Connection) -> list[str]:
    """The roles granted desk access on this database (read from the audit table's grants)."""
    return list(conn.execute(_DESK_ROLES).scalars())


def regrant_desk_roles(conn: Connection) -> list[str]:
    """Grant every desk role again: after a migration, new tables need their privileges."""
    roles = desk_roles(conn)
    for role in roles:
        _apply(conn, role)
    return roles


def unlisted_tables(conn: Connection) -> list[str]:
    """Tables the schema has and DESK_PRIVILEGES does not decide about (should be none)."""
    return [name for name in conn.execute(_TABLES).scalars() if name not in DESK_PRIVILEGES]


def _check_may_grant(conn: Connection) -> None:
    if not conn.execute(_MAY_GRANT).scalar_one():
        user = conn.execute(text("SELECT current_user")).scalar_one()
        raise ValidationError(
            f"{user!r} does not own the Ticket Office tables, so it cannot grant or revoke "
            "their privileges. Run this as the role that migrates the schema."
        )


def _apply(conn: Connection, role: str) -> None:
    quoted_role = _identifier(conn, role)
    _revoke_all(conn, quoted_role)
    # PUBLIC may use the schema unless an administrator revoked that; then the desk needs it.
    if not conn.execute(
        text("SELECT has_schema_privilege(:role, 'public', 'USAGE')"), {"role": role}
    ).scalar_one():
        _run(conn, f"GRANT USAGE ON SCHEMA public TO {quoted_role}")
    # One GRANT per kind of access, not one per table.
    tables_by_privileges: dict[tuple[str, ...], list[str]] = {}
    for table, privileges in DESK_PRIVILEGES.items():
        tables_by_privileges.setdefault(privileges, []).append(f"public.{table}")
    for privileges, tables in tables_by_privileges.items():
        _run(conn, f"GRANT {', '.join(privileges)} ON {', '.join(tables)} TO {quoted_role}")
    inserted = [table for table, privileges in DESK_PRIVILEGES.items() if "INSERT" in privileges]
    sequences = [
        f"public.{_identifier(conn, name)}"
        for name in conn.execute(_SEQUENCES_OF, {"tables": inserted}).scalars()
    ]
    if sequences:
        _run(conn, f"GRANT USAGE ON SEQUENCE {', '.join(sequences)} TO {quoted_role}")


def _revoke_all(conn: Connection, quoted_role: str) -> None:
    _run(conn, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted_role}")
    _run(conn, f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {quoted_role}")
