"""Picking N seats together: properties over random coaches, and the everyday cases by example."""

from __future__ import annotations

import random
from itertools import count as counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seat_picking import SeatPreferences, pick_together
from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.services.results import CoachInfo, SeatInfo

STATE_BY_CHAR = {
    "f": SeatState.FREE,
    "x": SeatState.TAKEN,
    "h": SeatState.HELD,
    "m": SeatState.HELD_BY_ME,
    "n": SeatState.NOT_FOR_SALE,
}
CANDIDATES = {SeatState.FREE, SeatState.HELD_BY_ME}
LAYOUTS = ("ff.ff", "ff.f", "fff.ff", "ffff", "f.f")


def coach(
    coach_no: int,
    plan: str,
    *,
    seat_class: SeatClass = SeatClass.STANDARD,
    table_rows: frozenset[int] = frozenset(),
    first_id: int | None = None,
) -> CoachInfo:
    """Build a coach from a picture: one line per grid row, '.' is the aisle.

    f free, x sold, h held by another clerk, m held by me, n not for sale, w free wheelchair space.
    Outer columns get WINDOW, columns beside the aisle get AISLE.
    """
    rows = [line.strip() for line in plan.strip().splitlines()]
    width = max(len(row) for row in rows)
    ids = counter(first_id if first_id is not None else coach_no * 100)
    seats = []
    for row_no, row in enumerate(rows):
        for column, char in enumerate(row):
            if char == ".":
                continue
            features = set()
            if column in (0, width - 1):
                features.add(SeatFeature.WINDOW)
            if "." in (row[column - 1 : column], row[column + 1 : column + 2]):
                features.add(SeatFeature.AISLE)
            if row_no in table_rows:
                features.add(SeatFeature.TABLE)
            if char == "w":
                features.add(SeatFeature.WHEELCHAIR)
            state = STATE_BY_CHAR.get(char, SeatState.FREE)
            seat_id = next(ids)
            seats.append(
                SeatInfo(
                    seat_id=seat_id,
                    coach_no=coach_no,
                    label=str(seat_id),
                    grid_row=row_no,
                    grid_column=column,
                    seat_class=seat_class,
                    features=frozenset(features),
                    state=state,
                )
            )
    return CoachInfo(coach_no, "test", len(rows), width, tuple(seats))


def seats_of(coaches: list[CoachInfo], ids: tuple[int, ...]) -> list[SeatInfo]:
    by_id = {seat.seat_id: seat for one in coaches for seat in one.seats}
    return [by_id[seat_id] for seat_id in ids]


def cells(coaches: list[CoachInfo], ids: tuple[int, ...]) -> list[tuple[int, int, int]]:
    return sorted((s.coach_no, s.grid_row, s.grid_column) for s in seats_of(coaches, ids))


ANY = SeatPreferences()


# --- the everyday cases ------------------------------------------------------------------------


def test_picks_a_row_of_four_next_to_each_other_when_one_is_free() -> None:
    train = [coach(1, "xfxf\nffxf\nffff\nxfff")]
    result = pick_together(train, 4, ANY)
    assert cells(train, result.seat_ids) == [(1, 2, 0), (1, 2, 1), (1, 2, 2), (1, 2, 3)]
    assert result.together
    assert result.message is None


def test_seats_a_couple_side_by_side_rather_than_across_the_aisle() -> None:
    train = [coach(1, "fx.ff\nfx.xf")]
    result = pick_together(train, 2, ANY)
    assert cells(train, result.seat_ids) == [(1, 0, 3), (1, 0, 4)]


def test_seats_four_in_a_table_bay_when_no_row_has_four_free() -> None:
    train = [coach(1, "fx.xf\nff.xx\nff.fx\nxf.ff", table_rows=frozenset({1, 2}))]
    result = pick_together(train, 4, SeatPreferences(table=True))
    assert cells(train, result.seat_ids) == [(1, 1, 0), (1, 1, 1), (1, 2, 0), (1, 2, 1)]
    assert result.together
    assert result.message is None


def test_includes_a_window_seat_when_asked() -> None:
    train = [coach(1, "ff.ff\nxf.fx")]
    result = pick_together(train, 1, SeatPreferences(window=True))
    assert seats_of(train, result.seat_ids)[0].features >= {SeatFeature.WINDOW}


def test_includes_an_aisle_seat_when_asked() -> None:
    train = [coach(1, "ff.ff")]
    result = pick_together(train, 1, SeatPreferences(aisle=True))
    assert SeatFeature.AISLE in seats_of(train, result.seat_ids)[0].features


def test_says_so_when_a_wish_cannot_be_met() -> None:
    train = [coach(1, "xff.fx")]
    result = pick_together(train, 2, SeatPreferences(window=True))
    assert result.together
    assert result.message == "Chose 2 seats together in coach 1, but none by a window."


def test_keeps_clear_of_wheelchair_spaces_when_other_seats_are_as_good() -> None:
    train = [coach(1, "wf.ff")]
    result = pick_together(train, 2, ANY)
    assert cells(train, result.seat_ids) == [(1, 0, 3), (1, 0, 4)]


def test_keeps_seats_the_clerk_already_holds() -> None:
    train = [coach(1, "ff.mm\nff.ff")]
    result = pick_together(train, 2, ANY)
    assert cells(train, result.seat_ids) == [(1, 0, 3), (1, 0, 4)]


def test_never_gives_first_class_when_standard_is_asked() -> None:
    train = [coach(1, "ff.f", seat_class=SeatClass.FIRST), coach(2, "xx.xf\nxx.xx")]
    result = pick_together(train, 2, SeatPreferences(seat_class=SeatClass.STANDARD))
    assert result.seat_ids == ()
    assert result.message == (
        "Not enough free standard seats on this train for 2 passengers (1 free)."
    )


def test_explains_when_the_party_cannot_sit_together() -> None:
    train = [coach(2, "fx.xf\nxf.fx\nfx.fx", seat_class=SeatClass.FIRST)]
    result = pick_together(train, 4, SeatPreferences(seat_class=SeatClass.FIRST))
    assert len(result.seat_ids) == 4
    assert not result.together
    assert result.message is not None
    assert result.message.startswith("Only 2 free first-class seats together; chose 4 seats in")


def test_splits_a_party_over_as_few_coaches_as_possible() -> None:
    train = [coach(1, "fx.xx"), coach(2, "ff.fx"), coach(3, "ff.xx")]
    result = pick_together(train, 5, ANY)
    assert {c for c, _, _ in cells(train, result.seat_ids)} == {2, 3}
    assert not result.together
    assert (
        result.message
        == "Only 3 free seats in any one coach; chose 5 seats across coaches 2 and 3."
    )


def test_prefers_the_coach_on_screen_when_coaches_are_equally_good() -> None:
    train = [coach(1, "ff.ff"), coach(2, "ff.ff"), coach(3, "ff.ff")]
    assert {c for c, _, _ in cells(train, pick_together(train, 2, ANY).seat_ids)} == {1}
    on_screen = pick_together(train, 2, ANY, start_coach=3)
    assert {c for c, _, _ in cells(train, on_screen.seat_ids)} == {3}


@pytest.mark.parametrize("bad", [0, 10, -1, True])
def test_rejects_a_party_outside_one_to_nine(bad: int) -> None:
    with pytest.raises(ValidationError):
        pick_together([coach(1, "ff")], bad, ANY)


# --- properties over random trains -------------------------------------------------------------


@st.composite
def trains(draw: st.DrawFn) -> list[CoachInfo]:
    ids = counter(1)
    result = []
    for coach_no in range(1, draw(st.integers(1, 4)) + 1):
        layout = draw(st.sampled_from(LAYOUTS))
        row_count = draw(st.integers(1, 7))
        plan = "\n".join(
            "".join("." if cell == "." else draw(st.sampled_from("ffffxxhmnw")) for cell in layout)
            for _ in range(row_count)
        )
        tables = frozenset(draw(st.sets(st.integers(0, row_count - 1), max_size=3)))
        seat_class = draw(st.sampled_from(SeatClass))
        built = coach(coach_no, plan, seat_class=seat_class, table_rows=tables, first_id=0)
        result.append(
            CoachInfo(
                built.coach_no,
                built.layout_name,
                built.grid_rows,
                built.grid_columns,
                tuple(
                    SeatInfo(
                        next(ids),
                        s.coach_no,
                        s.label,
                        s.grid_row,
                        s.grid_column,
                        s.seat_class,
                        s.features,
                        s.state,
                    )
                    for s in built.seats
                ),
            )
        )
    return result


preferences = st.builds(
    SeatPreferences,
    seat_class=st.none() | st.sampled_from(SeatClass),
    window=st.booleans(),
    aisle=st.booleans(),
    table=st.booleans(),
)
party = st.integers(1, 9)


def candidates(train: list[CoachInfo], wishes: SeatPreferences) -> list[SeatInfo]:
    return [
        seat
        for one in train
        for seat in one.seats
        if seat.state in CANDIDATES
        and (wishes.seat_class is None or seat.seat_class is wishes.seat_class)
    ]


@settings(max_examples=150, deadline=None)
@given(trains(), party, preferences)
def test_only_ever_picks_free_or_own_seats_of_the_asked_class(train, size, wishes) -> None:
    result = pick_together(train, size, wishes)
    allowed = {seat.seat_id for seat in candidates(train, wishes)}
    assert set(result.seat_ids) <= allowed
    assert len(set(result.seat_ids)) == len(result.seat_ids)


@settings(max_examples=150, deadline=None)
@given(trains(), party, preferences)
def test_picks_exactly_the_party_size_or_explains_why_not(train, size, wishes) -> None:
    result = pick_together(train, size, wishes)
    if len(candidates(train, wishes)) >= size:
        assert len(result.seat_ids) == size
    else:
        assert result.seat_ids == ()
        assert result.message is not None
        assert result.message.startswith("Not enough free")


@settings(max_examples=150, deadline=None)
@given(trains(), party, preferences, st.randoms(use_true_random=False))
def test_gives_the_same_answer_whatever_order_the_seats_come_in(train, size, wishes, rnd) -> None:
    first = pick_together(train, size, wishes)
    assert pick_together(train, size, wishes) == first
    shuffled = [
        CoachInfo(c.coach_no, c.layout_name, c.grid_rows, c.grid_columns, shuffle(c.seats, rnd))
        for c in shuffle(train, rnd)
    ]
    assert pick_together(shuffled, size, wishes) == first


@settings(max_examples=150, deadline=None)
@given(trains(), party, preferences)
def test_a_party_called_together_sits_in_one_coach_on_one_side(train, size, wishes) -> None:
    result = pick_together(train, size, wishes)
    if result.together:
        picked = seats_of(train, result.seat_ids)
        assert len({seat.coach_no for seat in picked}) == 1
        assert side_by_side_or_behind(picked)
    elif result.seat_ids:
        assert result.message


@settings(max_examples=150, deadline=None)
@given(trains(), party, preferences)
def test_a_free_row_run_is_always_taken_when_one_exists(train, size, wishes) -> None:
    result = pick_together(train, size, wishes)
    if has_row_run(candidates(train, wishes), size):
        picked = seats_of(train, result.seat_ids)
        assert result.together
        assert len({(seat.coach_no, seat.grid_row) for seat in picked}) == 1
        columns = sorted(seat.grid_column for seat in picked)
        assert columns == list(range(columns[0], columns[0] + size))


def side_by_side_or_behind(seats: list[SeatInfo]) -> bool:
    """Every seat reaches every other through neighbours in the grid; the aisle breaks a link."""
    left = {(s.grid_row, s.grid_column) for s in seats}
    todo = [left.pop()]
    while todo:
        row, column = todo.pop()
        for near in ((row + 1, column), (row - 1, column), (row, column + 1), (row, column - 1)):
            if near in left:
                left.remove(near)
                todo.append(near)
    return not left


def has_row_run(seats: list[SeatInfo], size: int) -> bool:
    cells_free = {(s.coach_no, s.grid_row, s.grid_column) for s in seats}
    return any(
        all((c, r, col + step) in cells_free for step in range(size)) for c, r, col in cells_free
    )


def shuffle(items, rnd: random.Random) -> tuple:
    copy = list(items)
    rnd.shuffle(copy)
    return tuple(copy)
