"""`sell_seats` is read where it is installed: migrations/sql/NNNN_sell_seats.sql, the latest of
which is what a database at the head revision runs, and its party limit is the app's."""

from __future__ import annotations

import re

from sqlalchemy import text

from ticket_office.db import schema
from ticket_office.domain.seats import MAX_PARTY

SQL = schema.MIGRATIONS / "sql"
LATEST = sorted(SQL.glob("[0-9][0-9][0-9][0-9]_sell_seats.sql"))[-1]
DEFINITION = "SELECT pg_get_functiondef('sell_seats'::regproc)"
SOURCE = "SELECT prosrc FROM pg_proc WHERE oid = 'sell_seats'::regproc"


def _body(sql: str) -> str:
    """What PostgreSQL stores of a function: the text between its dollar quotes."""
    (body,) = re.findall(r"\bAS \$\$(.*?)\$\$;", sql, flags=re.DOTALL)
    return body.replace("\r\n", "\n")


def _code(sql: str) -> str:
    """SQL without its comments and layout (these files quote no '--')."""
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())


def test_the_head_revision_runs_the_latest_sell_seats_file(owner_engine):
    sql = LATEST.read_text(encoding="utf-8")
    with owner_engine.connect() as conn:
        assert conn.execute(text(SOURCE)).scalar_one() == _body(sql)
        # Its whole definition too (arguments, settings): running the file again changes nothing.
        installed = conn.execute(text(DEFINITION)).scalar_one()
        conn.execute(text(sql))
        assert conn.execute(text(DEFINITION)).scalar_one() == installed
        conn.rollback()


def test_revision_0012_changed_only_the_comments_and_layout_of_0011s_function():
    assert _code(schema.revision_sql("0012_sell_seats.sql")) == _code(
        schema.revision_sql("0011_sell_seats.sql")
    )


def test_the_sql_limits_a_party_to_max_party_passengers():
    """The function checks the size itself (a writer may call it directly); its limit and its
    message must say the app's MAX_PARTY. Changing MAX_PARTY takes a new sell_seats file."""
    sql = LATEST.read_text(encoding="utf-8")
    limits = re.findall(r"BETWEEN 1 AND (\d+)", sql)
    said = re.findall(r"\b1 to (\d+)\b", sql)
    assert limits and said
    assert {int(n) for n in limits + said} == {MAX_PARTY}
