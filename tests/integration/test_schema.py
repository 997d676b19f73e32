"""Migrations are the only way the schema changes, the app checks the revision on connect, and
the models in db/models.py say what the migrations made."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from ticket_office.config import DatabaseChoice
from ticket_office.db import schema
from ticket_office.db.connect import open_database
from ticket_office.db.engine import make_engine
from ticket_office.db.models import Base
from ticket_office.domain.errors import SchemaMismatch


@pytest.fixture
def empty_database(pg_server):
    name = "to_schema_test"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


def test_migrations_go_up_down_and_up_again(empty_database):
    engine = make_engine(empty_database, pool_size=1)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    config = schema.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert schema.current_revision(engine) is None
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_alembics_autogenerate_finds_no_difference_between_the_models_and_the_migrations(
    owner_engine,
):
    with owner_engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, Base.metadata) == []


# What autogenerate does not compare (check and exclusion constraints, key names, index
# options, generated columns), read from the catalogue of each database.
CATALOGUE = {
    "constraints": """
        SELECT conrelid::regclass::text || ' ' || conname, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND contype <> 'n'""",
    "indexes": """
        SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
        FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid
        WHERE relnamespace = 'public'::regnamespace""",
    "columns": """
        SELECT table_name || '.' || column_name,
               concat_ws(' ', data_type, character_maximum_length, is_nullable, column_default,
                         is_generated, generation_expression, is_identity)
        FROM information_schema.columns WHERE table_schema = 'public'""",
}
# Alembic's own table, and what SQLAlchemy cannot say: ExcludeConstraint has no INCLUDE, which
# revision 0003 adds to the no-double-sale constraint (see the comment on it in models.py).
NOT_IN_THE_MODELS = ("alembic_version", "alembic_version_pkc")
CANNOT_SAY = {"ex_tickets_no_double_sale": " INCLUDE (seat_class)"}


def catalogue(engine: Engine) -> dict[str, dict[str, str]]:
    with engine.connect() as conn:
        read = {kind: dict(conn.execute(text(query)).all()) for kind, query in CATALOGUE.items()}
    for entries in read.values():
        for name in list(entries):
            if name.split(" ")[0].split(".")[0] in NOT_IN_THE_MODELS:
                del entries[name]
            for known, words in CANNOT_SAY.items():
                if name.endswith(known):
                    entries[name] = entries[name].replace(words, "")
    return read


def test_the_models_create_the_constraints_and_indexes_the_migrations_do(
    owner_engine, empty_database
):
    from_models = make_engine(empty_database, pool_size=1)
    with from_models.begin() as conn:
        conn.execute(text("CREATE EXTENSION btree_gist"))
        Base.metadata.create_all(conn)
    try:
        assert catalogue(from_models) == catalogue(owner_engine)
    finally:
        from_models.dispose()


def test_an_empty_central_database_is_not_migrated_behind_a_supervisors_back(empty_database):
    with pytest.raises(SchemaMismatch, match="ticket-office migrate"):
        open_database(DatabaseChoice(empty_database, "test"))


def test_an_older_schema_is_refused_with_upgrade_instructions(empty_database):
    engine = make_engine(empty_database, pool_size=1)
    schema.upgrade(engine, "0001")
    with pytest.raises(SchemaMismatch, match="older schema.*ticket-office migrate"):
        open_database(DatabaseChoice(empty_database, "test"))
    opened = open_database(DatabaseChoice(empty_database, "test"), migrate_central=True)
    assert schema.current_revision(opened.engine) == schema.head_revision()
    opened.engine.dispose()
    engine.dispose()


def test_a_newer_schema_than_the_app_knows_is_refused(empty_database):
    engine = make_engine(empty_database, pool_size=1)
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaMismatch, match="newer than this Ticket Office"):
        open_database(DatabaseChoice(empty_database, "test"))
    engine.dispose()


def test_audit_events_are_append_only_even_for_the_schemas_owner(owner_engine, clerk):
    # Desks may not even try (test_desk_access.py); the owner is stopped by the trigger.
    with owner_engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE audit_events SET kind = 'tampered'"))
    with owner_engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM audit_events"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("INSERT INTO alembic_version VALUES ('0001')", "more than one schema revision"),
        ("DELETE FROM alembic_version", "no recorded schema revision"),
        ("DROP TABLE alembic_version", "no recorded schema revision"),
    ],
)
def test_a_revision_record_changed_by_hand_is_refused_before_anything_runs(
    empty_database, damage, message
):
    engine = make_engine(empty_database, pool_size=1)
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(damage))
    for migrating in (False, True):  # a migration would fail half-way or run revisions twice
        with pytest.raises(SchemaMismatch, match=message):
            open_database(DatabaseChoice(empty_database, "test"), migrate_central=migrating)
    engine.dispose()


def test_rows_written_around_the_app_that_revision_0009_refuses_are_named_not_lost(
    empty_database,
):
    """A negative cash amount written before 0009's checks: the upgrade names the booking and
    changes nothing, instead of failing with "violated by some row"."""
    engine = make_engine(empty_database, pool_size=1)
    schema.upgrade(engine, "0008")
    with engine.begin() as conn:
        # A bare row, as a tool writing around the app might leave: the parents it names do
        # not matter here, so the foreign-key triggers are off for this one insert.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        (booking,) = conn.execute(
            text(
                "INSERT INTO bookings (reference, run_id, operator_id, total_cents, "
                "payment_method, cash_given_cents) VALUES ('BAD001', 1, 1, 0, 'cash', -5) "
                "RETURNING id"
            )
        ).one()
    with pytest.raises(sa_exc.IntegrityError, match=rf"bookings \{{{booking}\}}, tickets \{{\}}"):
        schema.upgrade(engine)
    assert schema.current_revision(engine) == "0008"
    engine.dispose()


def test_the_database_and_the_tests_share_one_clock(owner_engine):
    """The suite's dates come from the data and the clock; under `dev.py test --at` (faketime)
    the server it starts must see the same faked instant, or the two would disagree on today."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    with owner_engine.connect() as conn:
        server_now = conn.execute(text("SELECT now()")).scalar_one()
    assert abs((server_now - datetime.now(UTC)).total_seconds()) < 300
