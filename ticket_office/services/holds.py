"""Holding seats while a clerk types passenger details.

A clerk's holds on a run follow the seat map selection: `set_holds` makes them exactly the
chosen seats, extending the ones kept. Holds lapse at `expires_at` by themselves; readers
ignore lapsed rows and writers sweep them under the seat lock, so a crashed client needs no
cleanup. The database triggers keep holds and sales from overlapping whoever writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError

from ticket_office.domain.errors import SeatUnavailable, ValidationError
from ticket_office.domain.roles import Permission
from ticket_office.services import arguments
from ticket_office.services.access import require, require_active
from ticket_office.services.pricing import chosen_seats
from ticket_office.services.results import OperatorContext
from ticket_office.services.run_legs import load_leg
from ticket_office.services.seat_locks import clear_holds, ensure_free, lock_seats
from ticket_office.services.unit_of_work import UnitOfWork

DEFAULT_HOLD_SECONDS = 300


@dataclass(frozen=True, slots=True)
class HoldResult:
    run_id: int
    seat_ids: tuple[int, ...]
    expires_at: datetime | None


_HELD_ELSEWHERE = text(
    "SELECT run_seat_id FROM seat_holds WHERE client_id = :client AND run_id = :run "
    "AND run_seat_id NOT IN :keep"
).bindparams(bindparam("keep", expanding=True))

_DROP_OTHERS = text(
    "DELETE FROM seat_holds WHERE client_id = :client AND run_id = :run "
    "AND run_seat_id NOT IN :keep"
).bindparams(bindparam("keep", expanding=True))

_MINE = "client_id = :client AND (CAST(:run AS integer) IS NULL OR run_id = :run)"
_LOCK_HELD_SEATS = text(
    f"SELECT id FROM run_seats WHERE id IN (SELECT run_seat_id FROM seat_holds WHERE {_MINE}) "
    "ORDER BY id FOR UPDATE"
)
_RELEASE = text(f"DELETE FROM seat_holds WHERE {_MINE} RETURNING run_id")

# Every wanted seat in one statement: a click costs the same round trips for one seat or nine.
_INSERT = text(
    """
    INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, operator_id,
                            client_id, expires_at)
    SELECT :run, seat, :board, :alight, :operator, :client,
           now() + make_interval(secs => :seconds)
    FROM unnest(CAST(:seats AS bigint[])) AS seat
    RETURNING expires_at
    """
)


def set_holds(
    uow: UnitOfWork,
    operator: OperatorContext,
    run_id: int,
    board: int,
    alight: int,
    seat_ids: Sequence[int],
    hold_seconds: int = DEFAULT_HOLD_SECONDS,
) -> HoldResult:
    """Hold exactly `seat_ids` on this run and leg for this client (an empty list releases)."""
    require(operator, Permission.SELL)
    if not operator.client_id:
        raise ValidationError("Log in again to hold seats.")
    releasing = isinstance(seat_ids, list | tuple) and not seat_ids
    wanted = [] if releasing else sorted(chosen_seats(seat_ids))
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        leg = load_leg(session, run_id, board, alight)
        if wanted:
            leg.ensure_bookable()
        mine = {"client": operator.client_id, "run": run_id, "keep": wanted or [-1]}
        dropped = session.execute(_HELD_ELSEWHERE, mine).scalars().all()
        # The seats first, in id order, then the holds on them, as a sale takes them: a hold
        # row deleted before its seat's lock deadlocked with a sale sweeping that hold.
        touched = sorted({*wanted, *dropped})
        locked = lock_seats(session, leg, touched) if touched else {}
        if dropped:
            session.execute(_DROP_OTHERS, mine)
        expires_at = None
        if wanted:
            ensure_free(session, leg, {seat: locked[seat] for seat in wanted}, operator.client_id)
            clear_holds(session, leg, wanted, operator.client_id)
            try:
                expires_at = max(
                    session.execute(
                        _INSERT,
                        {
                            "run": run_id,
                            "seats": wanted,
                            "board": board,
                            "alight": alight,
                            "operator": operator.id,
                            "client": operator.client_id,
                            "seconds": hold_seconds,
                        },
                    ).scalars()
                )
            except IntegrityError as exc:
                if getattr(exc.orig, "sqlstate", None) == "23P01":
                    raise SeatUnavailable([locked[s].caption for s in wanted]) from None
                raise
        uow.seats_changed(run_id)
        uow.commit()
    return HoldResult(run_id, tuple(wanted), expires_at)


def release_holds(uow: UnitOfWork, operator: OperatorContext, run_id: int | None = None) -> int:
    """End this client's holds (on one run, or all of them at logout)."""
    run_id = arguments.optional_id(run_id, "train run")
    if not operator.client_id:
        return 0
    mine = {"client": operator.client_id, "run": run_id}
    with uow:
        uow.session.execute(_LOCK_HELD_SEATS, mine)  # seats before holds, as everywhere
        runs = uow.session.execute(_RELEASE, mine).scalars().all()
        for changed in set(runs):
            uow.seats_changed(changed)
        uow.commit()
    return len(runs)
