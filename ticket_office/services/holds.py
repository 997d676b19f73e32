"""Holding seats while a clerk types passenger details.

A clerk's holds on a run follow the seat map selection: `set_holds` makes them exactly the
chosen seats, extending the ones kept. Both use cases are one statement each, a function of
the database API (migrations/sql/0016_holds.sql): the server knows whose holds they are from
the session token, locks the seats in id order, refuses seats sold or held by others, and
decides how long a hold lasts (at most DEFAULT_HOLD_SECONDS). Holds lapse at `expires_at` by
themselves; readers ignore lapsed rows and writers sweep them under the seat lock, so a crashed
client needs no cleanup.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

import psycopg

from ticket_office.domain.errors import (
    DatabaseUnavailable,
    NotFound,
    RunNotBookable,
    SeatUnavailable,
    ValidationError,
)
from ticket_office.domain.ids import known_id
from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import seat_caption
from ticket_office.domain.segments import Segment
from ticket_office.services import arguments
from ticket_office.services.access import require
from ticket_office.services.pricing import chosen_seats
from ticket_office.services.results import OperatorContext
from ticket_office.services.run_legs import load_leg
from ticket_office.services.unit_of_work import UnitOfWork

DEFAULT_HOLD_SECONDS = 300  # also the longest the server allows (hold_seats' c_longest)


@dataclass(frozen=True, slots=True)
class HoldResult:
    run_id: int
    seat_ids: tuple[int, ...]
    expires_at: datetime | None


_HOLD = (
    "SELECT outcome, train_number, expires_at, problem_seats, seat_coaches, seat_labels "
    "FROM hold_seats($1, $2::uuid, $3::integer, $4::integer, $5::integer, $6::bigint[], "
    "$7::integer)"
)
_RELEASE = "SELECT released, runs FROM release_holds($1, $2::integer)"


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
    if not operator.session_token:
        raise ValidationError("Log in again to hold seats.")
    releasing = isinstance(seat_ids, list | tuple) and not seat_ids
    wanted = [] if releasing else sorted(chosen_seats(seat_ids))
    Segment(board, alight)  # raises InvalidSegment for reversed, equal or absurd stops
    known_id(run_id, "train run")
    params = (
        operator.session_token,
        str(uuid.uuid4()),  # a hold is idempotent; the id is the API's convention
        str(run_id),
        str(board),
        str(alight),
        "{" + ",".join(map(str, wanted)) + "}",
        str(hold_seconds),
    )
    try:
        outcome, train, expires_at, problem, coaches, labels = uow.call(_HOLD, params)
    except psycopg.errors.ExclusionViolation:
        # Only reachable past the seat locks (a writer that bypasses them); still a refusal.
        raise SeatUnavailable(
            [], "One of these seats was just taken. Please choose again."
        ) from None
    if outcome == "held":
        uow.seats_changed_and_committed(run_id)
        return HoldResult(run_id, tuple(wanted), expires_at)
    if outcome == "taken":
        captions = [seat_caption(c, label) for c, label in zip(coaches, labels, strict=True)]
        raise SeatUnavailable(captions)
    if outcome == "missing":
        seats = "1 chosen seat is" if len(problem) == 1 else f"{len(problem)} chosen seats are"
        raise NotFound(f"{seats} not on train {train}.")
    if outcome in ("no_leg", "not_bookable"):
        _explain_leg(uow, run_id, board, alight, bookable=bool(wanted))
    raise DatabaseUnavailable("The seats were not held; please try again.")


def _explain_leg(
    uow: UnitOfWork, run_id: int, board: int, alight: int, *, bookable: bool
) -> NoReturn:
    """The server refused the leg; let the leg check say exactly why (the refusal's path only)."""
    with uow.reading():
        leg = load_leg(uow.session, run_id, board, alight)
    if bookable:
        leg.ensure_bookable()
    raise RunNotBookable(f"Train {leg.train_number} cannot be sold at the moment.")


def release_holds(uow: UnitOfWork, operator: OperatorContext, run_id: int | None = None) -> int:
    """End this session's holds (on one run, or all of them at logout)."""
    run_id = arguments.optional_id(run_id, "train run")
    if not operator.session_token:
        return 0
    released, runs = uow.call(
        _RELEASE, (operator.session_token, None if run_id is None else str(run_id))
    )
    if runs:
        uow.seats_changed_and_committed(*runs)
    return released
