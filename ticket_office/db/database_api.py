"""The database API's roles: who owns its functions, and the kinds of desk that call them.

Desks hold no INSERT, UPDATE or DELETE on any table: every write is a SECURITY DEFINER
function owned by `ticket_office_api`, a role that cannot log in and holds only the table
privileges those functions use. A desk's login role is a member of one group role per kind of
desk (db/desk_access.py grants it), and each group may EXECUTE only its own functions.

Roles belong to the whole PostgreSQL cluster, not to one database: every Ticket Office
database on a server shares these four, each database granting them its own privileges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

API_ROLE = "ticket_office_api"
COUNTER_ROLE = "ticket_office_counter"
CONDUCTOR_ROLE = "ticket_office_conductor"
SUPERVISOR_ROLE = "ticket_office_supervisor"
DESK_KIND_ROLES: Mapping[str, str] = {
    "counter": COUNTER_ROLE,
    "conductor": CONDUCTOR_ROLE,
    "supervisor": SUPERVISOR_ROLE,
}

# Made if missing; a concurrent migration of another database on the same server may make
# one at the same moment, hence the duplicate_object handler.
_CREATE_ROLE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
        CREATE ROLE {role} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
"""

# Whoever migrates must be able to hand functions to the API role.
_JOIN_API_ROLE = f"""
DO $$
BEGIN
    IF NOT pg_has_role(current_user, '{API_ROLE}', 'MEMBER') THEN
        GRANT {API_ROLE} TO CURRENT_USER;
    END IF;
END $$;
"""


def create_roles_sql() -> str:
    roles = [API_ROLE, *DESK_KIND_ROLES.values()]
    made = "".join([_CREATE_ROLE.format(role=role) for role in roles])
    # A supervisor's desk may also sell and check tickets.
    return (
        made + _JOIN_API_ROLE + (f"GRANT {COUNTER_ROLE}, {CONDUCTOR_ROLE} TO {SUPERVISOR_ROLE};\n")
    )


def hand_to_api_sql(functions: Iterable[str], tables: Mapping[str, str]) -> str:
    """SQL giving `functions` (signatures such as "sign_in(text, text, text)") to the API role,
    with the table privileges (table -> "SELECT, INSERT") their bodies need.

    Changing a function's owner needs CREATE on its schema for the new owner: granted for the
    change and taken back at once, so the API role can create nothing.
    """
    statements = [f"GRANT USAGE, CREATE ON SCHEMA public TO {API_ROLE};"]
    statements += [
        f"GRANT {privileges} ON public.{table} TO {API_ROLE};"
        for table, privileges in tables.items()
    ]
    statements += [
        f"ALTER FUNCTION public.{signature} OWNER TO {API_ROLE};" for signature in functions
    ]
    statements.append(f"REVOKE CREATE ON SCHEMA public FROM {API_ROLE};")
    return "\n".join(statements)
