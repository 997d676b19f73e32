"""The desk role: what the app needs on a central server, and none of what would let a desk
undo the database's own guarantees (constraints, triggers, the audit trail, sold history).

Every service and GUI test already connects as such a role (conftest's `desk_role`); these
tests show what it cannot do, and how `grant-desk-access` and `migrate` hand it out.
"""

from __future__ import annotations

import itertools

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from ticket_office.cli import main
from ticket_office.db import desk_access, schema
from ticket_office.db.database_api import COUNTER_ROLE
from ticket_office.db.engine import libpq_url, make_engine
from ticket_office.domain.errors import ValidationError

pytestmark = pytest.mark.usefixtures("needs_desk_role")


@pytest.fixture
def needs_desk_role(desk_role):
    if desk_role is None:
        pytest.skip("the test server's role may not create roles")


_roles = itertools.count()

# Each would let a desk sell a seat twice, hide a sale or rewrite what happened.
FORBIDDEN = [
    "ALTER TABLE tickets DROP CONSTRAINT ex_tickets_no_double_sale",
    "ALTER TABLE tickets DISABLE TRIGGER tickets_respect_holds",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "DROP INDEX ix_tickets_active_seat",
    "TRUNCATE audit_events",
    "DELETE FROM audit_events",
    "UPDATE audit_events SET kind = 'nothing'",
    "DELETE FROM tickets",
    "DELETE FROM bookings",
    "DELETE FROM operators",
    "UPDATE fare_rates SET cents_per_km = 0",
    "UPDATE layout_seats SET for_sale = false",
    "UPDATE run_seats SET coach_no = 1",
    # Inventory: a phantom seat or stop is sold like a real one.
    "INSERT INTO run_seats (run_id, coach_no, layout_seat_id) "
    "SELECT run_id, coach_no + 100, layout_seat_id FROM run_seats LIMIT 1",
    "INSERT INTO run_stops (run_id, position, station_id, distance_km, pick_up, set_down) "
    "SELECT run_id, 32767, station_id, 9999, true, true FROM run_stops LIMIT 1",
    "INSERT INTO runs (service_id, service_date, departs_at, sales_open_at) "
    "SELECT service_id, service_date + 1000, departs_at, sales_open_at FROM runs LIMIT 1",
    "CREATE TABLE public.shadow (id int)",
    # A lock that stops every other desk writing (or reading): all counters would freeze.
    *[
        f"DO $$ BEGIN LOCK TABLE {table} IN {mode} MODE; END $$"
        for table in ("tickets", "bookings", "run_seats", "seat_holds", "operators")
        for mode in ("ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE")
    ],
    "CREATE OR REPLACE FUNCTION sell_seats(p_sale jsonb, OUT outcome text, OUT booking_id bigint,"
    " OUT problem_seats bigint[]) LANGUAGE sql AS $$ SELECT 'sold', 0::bigint, NULL::bigint[] $$",
]


@pytest.fixture
def owner(owner_engine):
    return owner_engine


@pytest.fixture
def new_role(pg_server, database_url):
    """A login role with no privileges yet, dropped afterwards with whatever it was given (its
    privileges are all in this test's database, which outlives this fixture)."""
    name = f'desk "{next(_roles)}" %s:x'  # quoting, placeholders and bind markers must survive
    with pg_server.admin() as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    with pg_server.admin() as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def privileges(engine, role: str) -> set[tuple[str, str]]:
    """What `role` may do to each table, through its groups too (any column counts)."""
    with engine.connect() as conn:
        return {
            (row.relname, row.privilege)
            for row in conn.execute(
                text(
                    """
                    SELECT c.relname, p.privilege
                    FROM pg_class c
                    CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                            'REFERENCES', 'TRIGGER']) AS p(privilege)
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                      AND CASE WHEN p.privilege IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                               THEN has_any_column_privilege(:role, c.oid, p.privilege)
                               ELSE has_table_privilege(:role, c.oid, p.privilege) END
                    """
                ),
                {"role": role},
            )
        }


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_a_desk_cannot_undo_the_databases_guarantees(desk, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(statement)


def test_a_desk_can_still_read_what_it_needs(desk):
    assert desk.execute("SELECT count(*) FROM stations").fetchone()[0] > 0
    assert desk.execute("SELECT version_num FROM alembic_version").fetchone()


def test_every_table_of_the_schema_has_a_decision(owner):
    with owner.connect() as conn:
        assert desk_access.unlisted_tables(conn) == []


def test_grant_gives_exactly_the_listed_privileges_and_revoke_takes_them(owner, new_role):
    with owner.begin() as conn:
        desk_access.grant_desk_access(conn, new_role)
    granted = privileges(owner, new_role)
    assert {("stations", "SELECT"), ("tickets", "SELECT"), ("bookings", "SELECT")} <= granted
    # Every write is a database API function (the sale since revision 0021).
    assert not any(kind in {"INSERT", "UPDATE", "DELETE"} for _table, kind in granted)
    assert not any(kind in {"TRUNCATE", "TRIGGER", "REFERENCES"} for _table, kind in granted)
    with owner.begin() as conn:
        assert new_role in desk_access.desk_roles(conn)
        desk_access.revoke_desk_access(conn, new_role)
        assert new_role not in desk_access.desk_roles(conn)
    assert privileges(owner, new_role) == set()


def test_granting_again_takes_back_what_someone_added_by_hand(owner, new_role):
    with owner.begin() as conn:
        desk_access.grant_desk_access(conn, new_role)
        conn.connection.driver_connection.execute(
            sql.SQL("GRANT DELETE ON audit_events TO {}").format(sql.Identifier(new_role))
        )
        desk_access.grant_desk_access(conn, new_role)
    assert ("audit_events", "DELETE") not in privileges(owner, new_role)


def test_migrating_gives_desk_roles_the_privileges_of_the_new_schema(owner, new_role):
    with owner.begin() as conn:
        desk_access.grant_desk_access(conn, new_role)
        # As if a revision had added the table: the desks have nothing on it yet.
        conn.exec_driver_sql(f"REVOKE ALL ON seat_holds FROM {COUNTER_ROLE}")
    assert ("seat_holds", "SELECT") not in privileges(owner, new_role)
    schema.upgrade(owner)
    assert ("seat_holds", "SELECT") in privileges(owner, new_role)


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("nobody_here", "There is no database role"),
        ("postgres", "superuser"),
        ("", "Give the name"),
        ("x\x00y", "Give the name"),
        ("r" * 64, "at most 63 bytes"),
    ],
)
def test_grant_refuses_roles_privileges_cannot_hold(owner, role, message):
    with owner.begin() as conn, pytest.raises(ValidationError, match=message):
        desk_access.grant_desk_access(conn, role)


def test_the_owners_own_members_are_refused(owner, pg_server, new_role):
    with owner.connect() as conn:
        schema_owner = conn.execute(
            text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'tickets'")
        ).scalar_one()
    with pg_server.admin() as admin:
        admin.execute(
            sql.SQL("GRANT {} TO {}").format(sql.Identifier(schema_owner), sql.Identifier(new_role))
        )
    with owner.begin() as conn, pytest.raises(ValidationError, match="owns the Ticket Office"):
        desk_access.grant_desk_access(conn, new_role)


def test_only_the_owner_may_grant(desk_url, desk_role):
    engine = make_engine(desk_url, pool_size=1)
    try:
        with engine.begin() as conn, pytest.raises(ValidationError, match="does not own"):
            desk_access.grant_desk_access(conn, desk_role.name)
    finally:
        engine.dispose()


def test_the_cli_grants_and_revokes(database_url, owner, new_role, capsys):
    assert main(["--database-url", database_url, "grant-desk-access", new_role]) == 0
    assert "may now run counter desks" in capsys.readouterr().out
    assert ("stations", "SELECT") in privileges(owner, new_role)
    assert main(["--database-url", database_url, "revoke-desk-access", new_role]) == 0
    assert privileges(owner, new_role) == set()
    assert main(["--database-url", database_url, "grant-desk-access", "nobody_here"]) == 1
    error = capsys.readouterr().err
    assert 'CREATE ROLE "nobody_here" LOGIN' in error and "Traceback" not in error


def function_privileges(engine, role: str) -> set[str]:
    """The public schema's functions `role` may execute, through its groups too."""
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT p.proname FROM pg_proc p "
                    "WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' "
                    "AND has_function_privilege(:role, p.oid, 'EXECUTE')"
                ),
                {"role": role},
            ).scalars()
        )


def test_each_kind_of_desk_gets_only_its_own_functions(owner, new_role):
    every_desk = {"sign_in", "sign_in_salt", "sign_out", "change_password", "request_outcome"}
    accounts = {"create_operator", "reset_password", "set_operator_active", "unlock_operator"}
    granted = {}
    for kind in ("conductor", "counter", "supervisor"):
        with owner.begin() as conn:
            desk_access.grant_desk_access(conn, new_role, kind)
            assert desk_access.desk_kinds(conn).get(new_role) == kind
        granted[kind] = function_privileges(owner, new_role)
    assert every_desk <= granted["conductor"] and "sell_seats" not in granted["conductor"]
    assert not accounts & (granted["conductor"] | granted["counter"])
    assert "sell_seats" in granted["counter"]
    assert accounts | {"sell_seats"} <= granted["supervisor"]
    assert "add_signing_key" in granted["supervisor"]
    assert "add_signing_key" not in granted["conductor"] | granted["counter"]
    # No desk may call the API's own helpers, which trust their caller.
    assert not {f for fs in granted.values() for f in fs if f.startswith("api_")}


def test_a_conductors_desk_reads_public_keys_but_not_the_sealed_private_ones(owner, new_role):
    with owner.begin() as conn:
        desk_access.grant_desk_access(conn, new_role, "conductor")
    granted = privileges(owner, new_role)
    assert ("signing_keys", "SELECT") in granted  # its public columns
    assert not any(kind in {"INSERT", "UPDATE", "DELETE"} for _table, kind in granted)
    with owner.connect() as conn:
        assert not conn.execute(
            text("SELECT has_column_privilege(:role, 'signing_keys', 'private_key', 'SELECT')"),
            {"role": new_role},
        ).scalar_one()


def test_no_function_of_the_schema_is_open_to_everyone(owner):
    """PUBLIC may execute new functions unless revoked: every upgrade revokes it again."""
    with owner.begin() as conn:  # as if a revision forgot to revoke
        conn.exec_driver_sql(
            "CREATE FUNCTION public.forgotten() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
        conn.exec_driver_sql("GRANT EXECUTE ON FUNCTION public.forgotten() TO PUBLIC")
    schema.upgrade(owner)
    with owner.connect() as conn:
        open_to_all = (
            conn.execute(
                text(
                    "SELECT p.proname FROM pg_proc p "
                    "WHERE p.pronamespace = 'public'::regnamespace "
                    "AND has_function_privilege('public', p.oid, 'EXECUTE') "
                    "AND p.prokind = 'f' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                    "  WHERE d.objid = p.oid AND d.deptype = 'e')"
                )
            )
            .scalars()
            .all()
        )
    assert open_to_all == []
