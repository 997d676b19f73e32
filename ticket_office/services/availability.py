"""The state of every seat of a run for one leg: a constant number of queries.

The run's seats come from the per-process layout cache (run_layouts.py), so a seat map costs
the leg check and one query for the seats taken on that leg.
"""

from __future__ import annotations

from sqlalchemy import text

from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import SeatState
from ticket_office.services.access import require
from ticket_office.services.results import CoachInfo, OperatorContext, SeatInfo, SeatMap
from ticket_office.services.run_layouts import RUN_LAYOUTS, LayoutSeat
from ticket_office.services.run_legs import load_leg
from ticket_office.services.unit_of_work import UnitOfWork

_OCCUPIED = text(
    """
    SELECT run_seat_id, NULL AS client_id, NULL::timestamptz AS expires_at
    FROM tickets
    WHERE run_id = :run AND status = 'active' AND stops && int4range(:board, :alight)
    UNION ALL
    SELECT run_seat_id, client_id, expires_at
    FROM seat_holds
    WHERE run_id = :run AND expires_at > now() AND stops && int4range(:board, :alight)
    """
)


def seat_map(
    uow: UnitOfWork, operator: OperatorContext, run_id: int, board: int, alight: int
) -> SeatMap:
    require(operator, Permission.SEARCH)
    params = {"run": run_id, "board": board, "alight": alight}
    with uow.reading():
        load_leg(uow.session, run_id, board, alight)
        layout = RUN_LAYOUTS.get(uow.session, uow.server, run_id)
        occupied = uow.session.execute(_OCCUPIED, params).all()
    sold: set[int] = set()
    holds: dict[int, tuple[str, object]] = {}
    for seat_id, client_id, expires_at in occupied:
        if client_id is None:
            sold.add(seat_id)
        else:
            holds[seat_id] = (client_id, expires_at)
    return SeatMap(
        run_id,
        board,
        alight,
        tuple(
            CoachInfo(
                coach.coach_no,
                coach.layout_name,
                coach.grid_rows,
                coach.grid_columns,
                tuple(_state(seat, sold, holds, operator.client_id) for seat in coach.seats),
            )
            for coach in layout.coaches
        ),
    )


def _state(
    seat: LayoutSeat, sold: set[int], holds: dict[int, tuple[str, object]], client_id: str
) -> SeatInfo:
    if not seat.for_sale or seat.seat_id not in sold and seat.seat_id not in holds:
        return seat.free
    if seat.seat_id in sold:
        return seat.taken
    holder, expires_at = holds[seat.seat_id]
    state = SeatState.HELD_BY_ME if client_id and holder == client_id else SeatState.HELD
    free = seat.free
    return SeatInfo(
        free.seat_id,
        free.coach_no,
        free.label,
        free.grid_row,
        free.grid_column,
        free.seat_class,
        free.features,
        state,
        expires_at,
    )  # type: ignore[arg-type]
