"""Small helpers shared by integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import owner_reads
from sqlalchemy import event, text

from ticket_office.domain.seats import SeatState
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment, SeatMap


def as_owner(owner_engine, statement: str, params: dict | None = None) -> None:
    """Change what no desk may change (a departed train, new fares), as the schema's owner."""
    with owner_engine.begin() as conn:
        conn.execute(text(statement), params or {})


def free_seats(seat_map: SeatMap, count: int, *, coach: int | None = None) -> list[int]:
    seats = [
        s.seat_id
        for c in seat_map.coaches
        for s in c.seats
        if s.state is SeatState.FREE and (coach is None or c.coach_no == coach)
    ]
    return seats[:count]


def request(
    journey,
    seat_ids,
    names=None,
    *,
    board=None,
    alight=None,
    payment: Payment | None = None,
) -> BookingRequest:
    payment = payment or Payment("card", None, "CARD-1")
    names = names or [f"Passenger {chr(65 + i)}" for i in range(len(seat_ids))]
    return BookingRequest(
        journey.run_id,
        journey.board_position if board is None else board,
        journey.alight_position if alight is None else alight,
        tuple(PassengerRequest(s, n) for s, n in zip(seat_ids, names, strict=True)),
        payment,
    )


def table_counts(backend) -> dict[str, int]:
    """Rows in the tables a sale writes (read as the owner: desks may not read the audit)."""
    return {
        table: owner_reads.read(backend, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("bookings", "tickets", "audit_events", "seat_holds")
    }


@contextmanager
def counting_statements(backend) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = backend.database.engine

    def count(_conn, _cursor, statement, *_args):
        bookkeeping = (
            statement.lstrip().upper().startswith(("ROLLBACK", "COMMIT", "BEGIN", "SELECT 1"))
            or "pg_current_xact_id_if_assigned" in statement
        )  # how a unit of work ends
        if not bookkeeping:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def audit_kinds(backend, username):
    """The kinds of audit event about `username`, oldest first."""
    return owner_reads.audit_kinds(backend, username)
