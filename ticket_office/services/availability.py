"""The state of every seat of a run for one leg, in three queries whatever the train's size."""

from __future__ import annotations

from sqlalchemy import text

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.services.access import require
from ticket_office.services.results import CoachInfo, OperatorContext, SeatInfo, SeatMap
from ticket_office.services.run_legs import load_leg
from ticket_office.services.unit_of_work import UnitOfWork

_SEATS = text(
    """
    SELECT rs.id, rs.coach_no, cl.name AS layout_name, cl.grid_rows, cl.grid_columns,
           ls.label, ls.grid_row, ls.grid_column, ls.seat_class, ls.features, ls.for_sale
    FROM run_seats rs
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    JOIN coach_layouts cl ON cl.id = ls.layout_id
    WHERE rs.run_id = :run
    ORDER BY rs.coach_no, ls.grid_row, ls.grid_column
    """
)

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

_FEATURES = {feature.value: feature for feature in SeatFeature}


def seat_map(
    uow: UnitOfWork, operator: OperatorContext, run_id: int, board: int, alight: int
) -> SeatMap:
    require(operator, Permission.SEARCH)
    params = {"run": run_id, "board": board, "alight": alight}
    with uow:
        load_leg(uow.session, run_id, board, alight)
        seats = uow.session.execute(_SEATS, params).all()
        occupied = uow.session.execute(_OCCUPIED, params).all()
    sold: set[int] = set()
    holds: dict[int, tuple[str, object]] = {}
    for seat_id, client_id, expires_at in occupied:
        if client_id is None:
            sold.add(seat_id)
        else:
            holds[seat_id] = (client_id, expires_at)

    coaches: list[CoachInfo] = []
    current: list[SeatInfo] = []
    for index, row in enumerate(seats):
        hold = holds.get(row.id)
        if not row.for_sale:
            state, expires = SeatState.NOT_FOR_SALE, None
        elif row.id in sold:
            state, expires = SeatState.TAKEN, None
        elif hold is not None:
            mine = bool(operator.client_id) and hold[0] == operator.client_id
            state = SeatState.HELD_BY_ME if mine else SeatState.HELD
            expires = hold[1]
        else:
            state, expires = SeatState.FREE, None
        current.append(
            SeatInfo(
                seat_id=row.id,
                coach_no=row.coach_no,
                label=row.label,
                grid_row=row.grid_row,
                grid_column=row.grid_column,
                seat_class=SeatClass(row.seat_class),
                features=frozenset(_FEATURES[f] for f in row.features if f in _FEATURES),
                state=state,
                hold_expires_at=expires,  # type: ignore[arg-type]
            )
        )
        last_of_coach = index + 1 == len(seats) or seats[index + 1].coach_no != row.coach_no
        if last_of_coach:
            coaches.append(
                CoachInfo(
                    row.coach_no, row.layout_name, row.grid_rows, row.grid_columns, tuple(current)
                )
            )
            current = []
    return SeatMap(run_id, board, alight, tuple(coaches))
