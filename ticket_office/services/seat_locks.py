"""Run seats chosen for a change, read and checked free for its quote.

Every write that takes seats (the sale, holds, seat changes and moves) is a server-side call
that locks the run seats it writes `FOR UPDATE` in seat-id order, so two clerks never wait on
each other in a circle, and then checks on a fresh snapshot that no active ticket or other
clerk's live hold overlaps the leg (`sell_seats`, the latest db/migrations/sql/NNNN_sell_seats.sql,
and 0016_holds.sql, 0019_changes.sql). A quote reads the same seats without locking and runs
the same check, so it says what the write will most likely find; the write checks again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ticket_office.domain.errors import NotFound, SeatUnavailable
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import seat_caption
from ticket_office.services.run_legs import RunLeg


@dataclass(frozen=True, slots=True)
class LockedSeat:
    seat_id: int
    label: str
    coach_no: int
    seat_class: SeatClass
    for_sale: bool

    @property
    def caption(self) -> str:
        return seat_caption(self.coach_no, self.label)


_READ_SEATS = text(
    """
    SELECT rs.id, ls.label, rs.coach_no, ls.seat_class, ls.for_sale
    FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    WHERE rs.run_id = :run AND rs.id IN :ids
    ORDER BY rs.id
    """
).bindparams(bindparam("ids", expanding=True))

# One index probe per seat (LATERAL ... LIMIT 1), whatever plan statistics would suggest.
_CONFLICTS = text(
    """
    SELECT s.seat
    FROM unnest(CAST(:ids AS bigint[])) AS s(seat)
    CROSS JOIN LATERAL (
        SELECT 1 FROM tickets t  -- on ix_tickets_active_seat (revision 0008 says why)
        WHERE t.run_seat_id = s.seat AND t.status = 'active'
          AND t.board_position < :alight AND t.alight_position > :board
        UNION ALL
        SELECT 1 FROM seat_holds h
        WHERE h.run_id = :run AND h.run_seat_id = s.seat AND h.expires_at > now()
          AND h.client_id <> :client AND h.stops && int4range(:board, :alight)
        LIMIT 1) AS conflict
    ORDER BY s.seat
    """
)


def read_seats(session: Session, leg: RunLeg, seat_ids: Sequence[int]) -> dict[int, LockedSeat]:
    """The seats of `leg`'s run among `seat_ids`; NotFound if any is not on it."""
    rows = session.execute(_READ_SEATS, {"run": leg.run_id, "ids": list(seat_ids)}).all()
    locked = {
        r.id: LockedSeat(r.id, r.label, r.coach_no, SeatClass(r.seat_class), r.for_sale)
        for r in rows
    }
    if missing := [seat_id for seat_id in seat_ids if seat_id not in locked]:
        seats = "1 chosen seat is" if len(missing) == 1 else f"{len(missing)} chosen seats are"
        raise NotFound(f"{seats} not on train {leg.train_number}.")
    return locked


def ensure_free(
    session: Session, leg: RunLeg, locked: dict[int, LockedSeat], client_id: str
) -> None:
    """Raise SeatUnavailable naming every chosen seat sold or held by someone else."""
    unsellable = [seat for seat in locked.values() if not seat.for_sale]
    conflicts = (
        session.execute(
            _CONFLICTS,
            {
                "run": leg.run_id,
                "ids": list(locked),
                "board": leg.segment.board,
                "alight": leg.segment.alight,
                "client": client_id,
            },
        )
        .scalars()
        .all()
    )
    taken = unsellable + [locked[seat_id] for seat_id in conflicts]
    if taken:
        raise SeatUnavailable([seat.caption for seat in taken])
