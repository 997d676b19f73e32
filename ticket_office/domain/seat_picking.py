"""Choosing N seats that sit together, the way a clerk would.

Only free seats (and seats the clerk already holds) are candidates, and a requested class is
never broken. Among the candidates the best group is, in order:

1. one row on one side of the aisle, side by side;
2. one side of the aisle over consecutive rows (a table bay, or one row behind the other);
3. one coach, as close together as the free seats allow;
4. as few coaches as possible.

Window, aisle and table wishes rank groups within the same level; wheelchair spaces are used
only when nothing else keeps the party as close. The result is the same for the same seats,
whatever order they come in. The module works on any objects shaped like `PickableSeat`, so
the domain needs nothing from the service layer.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import MAX_PARTY, SeatFeature, SeatState

CANDIDATE_STATES = frozenset({SeatState.FREE, SeatState.HELD_BY_ME})

# Distances between seats, in tenths of a seat: a seat one row away is a little farther than
# the seat alongside, and crossing the aisle costs about as much as going three rows back.
_COLUMN_STEP = 10
_ROW_STEP = 11
_AISLE_CROSSING = 15

_TIER_ROW, _TIER_SIDE, _TIER_COACH, _TIER_TRAIN = range(4)


class PickableSeat(Protocol):
    """What the picker reads from a seat (`services.results.SeatInfo` fits)."""

    @property
    def seat_id(self) -> int: ...
    @property
    def coach_no(self) -> int: ...
    @property
    def grid_row(self) -> int: ...
    @property
    def grid_column(self) -> int: ...
    @property
    def seat_class(self) -> SeatClass: ...
    @property
    def features(self) -> Collection[SeatFeature]: ...
    @property
    def state(self) -> SeatState: ...


class PickableCoach(Protocol):
    """A coach number and its seats (`services.results.CoachInfo` fits)."""

    @property
    def coach_no(self) -> int: ...
    @property
    def seats(self) -> Sequence[PickableSeat]: ...


@dataclass(frozen=True, slots=True)
class SeatPreferences:
    seat_class: SeatClass | None = None
    window: bool = False
    aisle: bool = False
    table: bool = False


@dataclass(frozen=True, slots=True)
class PickResult:
    """The chosen seats; `message` explains, for the clerk, what could not be met."""

    seat_ids: tuple[int, ...]
    together: bool
    message: str | None = None


@dataclass(frozen=True, slots=True)
class _Spot:
    seat_id: int
    coach_no: int
    row: int
    column: int
    block: int  # which side of the aisle: columns between two aisles share a block
    window: bool
    aisle: bool
    table: bool
    wheelchair: bool
    held_by_me: bool

    @property
    def position(self) -> tuple[int, int, int, int]:
        return (self.coach_no, self.row, self.column, self.seat_id)


@dataclass(frozen=True, slots=True)
class _Group:
    key: tuple
    spots: tuple[_Spot, ...]
    tier: int


def pick_together(
    coaches: Sequence[PickableCoach],
    count: int,
    preferences: SeatPreferences,
    *,
    start_coach: int | None = None,
) -> PickResult:
    """Choose `count` candidate seats, as close together as the train allows.

    `start_coach` (the coach on screen) wins ties between equally good groups.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PARTY:
        raise ValidationError(f"A party is 1 to {MAX_PARTY} passengers.", field="count")
    ordered = sorted(coaches, key=lambda coach: coach.coach_no)
    coach_rank = _coach_ranks(ordered, start_coach)
    spots_by_coach = {
        coach.coach_no: _candidate_spots(coach, preferences.seat_class) for coach in ordered
    }
    available = sum(len(spots) for spots in spots_by_coach.values())
    if available < count:
        return PickResult((), False, _not_enough_message(count, available, preferences))

    groups = [
        group
        for coach_no, spots in spots_by_coach.items()
        if (group := _best_group(spots, count, preferences, coach_rank[coach_no])) is not None
    ]
    if groups:
        best = min(groups, key=lambda group: group.key)
        return PickResult(
            tuple(spot.seat_id for spot in best.spots),
            best.tier <= _TIER_SIDE,
            _group_message(best, count, preferences, spots_by_coach),
        )
    return _spread_over_coaches(spots_by_coach, count, preferences, coach_rank)


def _coach_ranks(ordered: Sequence[PickableCoach], start_coach: int | None) -> dict[int, int]:
    numbers = [coach.coach_no for coach in ordered]
    if start_coach is None or start_coach not in numbers:
        return {number: index for index, number in enumerate(numbers)}
    start = numbers.index(start_coach)
    # The coach on screen first, then its neighbours, the next coach before the previous one.
    return {
        number: abs(index - start) * 2 + (index < start) for index, number in enumerate(numbers)
    }


def _candidate_spots(coach: PickableCoach, seat_class: SeatClass | None) -> list[_Spot]:
    block_of = _blocks(seat.grid_column for seat in coach.seats)
    spots = [
        _Spot(
            seat_id=seat.seat_id,
            coach_no=coach.coach_no,
            row=seat.grid_row,
            column=seat.grid_column,
            block=block_of[seat.grid_column],
            window=SeatFeature.WINDOW in seat.features,
            aisle=SeatFeature.AISLE in seat.features,
            table=SeatFeature.TABLE in seat.features,
            wheelchair=SeatFeature.WHEELCHAIR in seat.features,
            held_by_me=seat.state == SeatState.HELD_BY_ME,
        )
        for seat in coach.seats
        if seat.state in CANDIDATE_STATES and (seat_class is None or seat.seat_class == seat_class)
    ]
    return sorted(spots, key=lambda spot: spot.position)


def _blocks(columns: Iterable[int]) -> dict[int, int]:
    """Number the runs of occupied columns; an empty column between them is an aisle."""
    block_of: dict[int, int] = {}
    block = 0
    previous: int | None = None
    for column in sorted(set(columns)):
        if previous is not None and column > previous + 1:
            block += 1
        block_of[column] = block
        previous = column
    return block_of


def _best_group(
    spots: list[_Spot], count: int, preferences: SeatPreferences, coach_rank: int
) -> _Group | None:
    if len(spots) < count:
        return None
    rows = _row_groups(spots, count)
    candidates = rows if rows else _grown_groups(spots, count, preferences)
    scored = [_score(group, preferences, coach_rank) for group in candidates]
    return min(scored, key=lambda group: group.key)


def _row_groups(spots: list[_Spot], count: int) -> list[tuple[_Spot, ...]]:
    """Every run of `count` side-by-side seats in one row on one side of the aisle."""
    groups: list[tuple[_Spot, ...]] = []
    run: list[_Spot] = []
    for spot in spots:  # sorted by row, then column
        if run and not (
            spot.row == run[-1].row
            and spot.block == run[-1].block
            and spot.column == run[-1].column + 1
        ):
            run = []
        run.append(spot)
        if len(run) >= count:
            groups.append(tuple(run[-count:]))
    return groups


def _gap(a: _Spot, b: _Spot) -> int:
    crossing = 0 if a.block == b.block else _AISLE_CROSSING
    return abs(a.column - b.column) * _COLUMN_STEP + abs(a.row - b.row) * _ROW_STEP + crossing


def _grown_groups(
    spots: list[_Spot], count: int, preferences: SeatPreferences
) -> list[tuple[_Spot, ...]]:
    """From every seat, grow a group by adding the nearest seat to the group each time."""

    def wish_rank(spot: _Spot) -> int:
        wished = (
            (preferences.window and spot.window)
            + (preferences.aisle and spot.aisle)
            + (preferences.table and spot.table)
        )
        return spot.wheelchair * 4 - wished

    neighbours = [
        sorted(
            (j for j in range(len(spots)) if j != i),
            key=lambda j, i=i: (_gap(spots[i], spots[j]), wish_rank(spots[j]), spots[j].position),
        )
        for i in range(len(spots))
    ]
    return [_grow(seed, spots, neighbours, count, wish_rank) for seed in range(len(spots))]


def _grow(
    seed: int,
    spots: list[_Spot],
    neighbours: list[list[int]],
    count: int,
    wish_rank: Callable[[_Spot], int],
) -> tuple[_Spot, ...]:
    """Prim's algorithm cut short at `count` seats; each member offers its nearest outsider."""
    taken = {seed}
    cursor = dict.fromkeys(range(len(spots)), 0)
    frontier: list[tuple] = []

    def offer(member: int) -> None:
        order = neighbours[member]
        while cursor[member] < len(order) and order[cursor[member]] in taken:
            cursor[member] += 1
        if cursor[member] < len(order):
            near, far = spots[member], spots[order[cursor[member]]]
            entry = (_gap(near, far), wish_rank(far), far.position, member, order[cursor[member]])
            heapq.heappush(frontier, entry)

    offer(seed)
    while len(taken) < count:
        *_, member, other = heapq.heappop(frontier)
        if other not in taken:
            taken.add(other)
            offer(other)
        offer(member)
    return tuple(sorted((spots[i] for i in taken), key=lambda spot: spot.position))


def _score(group: tuple[_Spot, ...], preferences: SeatPreferences, coach_rank: int) -> _Group:
    tier = _tier(group)
    compactness = _spanning_cost(group)
    misses = len(_missed_wishes(group, preferences))
    table_shortfall = sum(not spot.table for spot in group) if preferences.table else 0
    key = (
        tier,
        sum(spot.wheelchair for spot in group),
        misses,
        compactness,
        table_shortfall,
        sum(not spot.held_by_me for spot in group),
        coach_rank,
        tuple(spot.position for spot in group),
    )
    return _Group(key, group, tier)


def _tier(group: tuple[_Spot, ...]) -> int:
    if len({spot.coach_no for spot in group}) > 1:
        return _TIER_TRAIN
    if len({spot.block for spot in group}) > 1:
        return _TIER_COACH
    columns = sorted(spot.column for spot in group)
    if len({spot.row for spot in group}) == 1 and columns[-1] - columns[0] == len(group) - 1:
        return _TIER_ROW
    return _TIER_SIDE if _connected(group) else _TIER_COACH


def _connected(group: tuple[_Spot, ...]) -> bool:
    cells = {(spot.row, spot.column) for spot in group}
    start = next(iter(cells))
    seen = {start}
    todo = [start]
    while todo:
        row, column = todo.pop()
        for cell in ((row + 1, column), (row - 1, column), (row, column + 1), (row, column - 1)):
            if cell in cells and cell not in seen:
                seen.add(cell)
                todo.append(cell)
    return len(seen) == len(cells)


def _spanning_cost(group: tuple[_Spot, ...]) -> int:
    """Weight of the cheapest tree joining the group: smaller is closer together."""
    joined = [group[0]]
    rest = list(group[1:])
    cost = 0
    while rest:
        gap, index = min((min(_gap(a, b) for a in joined), i) for i, b in enumerate(rest))
        cost += gap
        joined.append(rest.pop(index))
    return cost


def _missed_wishes(group: Sequence[_Spot], preferences: SeatPreferences) -> list[str]:
    missed = []
    if preferences.window and not any(spot.window for spot in group):
        missed.append("by a window")
    if preferences.aisle and not any(spot.aisle for spot in group):
        missed.append("on the aisle")
    if preferences.table and not any(spot.table for spot in group):
        missed.append("at a table")
    return missed


def _spread_over_coaches(
    spots_by_coach: dict[int, list[_Spot]],
    count: int,
    preferences: SeatPreferences,
    coach_rank: dict[int, int],
) -> PickResult:
    """No coach has room for everyone: fill the fullest coaches first, each as one group."""
    fullest_first = sorted(
        (coach_no for coach_no, spots in spots_by_coach.items() if spots),
        key=lambda coach_no: (-len(spots_by_coach[coach_no]), coach_rank[coach_no]),
    )
    chosen: list[_Spot] = []
    used: list[int] = []
    for coach_no in fullest_first:
        wanted = min(count - len(chosen), len(spots_by_coach[coach_no]))
        group = _best_group(spots_by_coach[coach_no], wanted, preferences, coach_rank[coach_no])
        assert group is not None  # wanted never exceeds the coach's candidates
        chosen.extend(group.spots)
        used.append(coach_no)
        if len(chosen) == count:
            break
    most = max(len(spots) for spots in spots_by_coach.values())
    message = (
        f"Only {most} free {_class_words(preferences)}{_seats(most)} in any one coach; "
        f"chose {count} seats across coaches {_join(sorted(used))}."
    )
    return PickResult(tuple(spot.seat_id for spot in chosen), False, message)


def _group_message(
    group: _Group,
    count: int,
    preferences: SeatPreferences,
    spots_by_coach: dict[int, list[_Spot]],
) -> str | None:
    missed = _missed_wishes(group.spots, preferences)
    coach_no = group.spots[0].coach_no
    if group.tier <= _TIER_SIDE:
        if not missed:
            return None
        return f"Chose {_party(count)} together in coach {coach_no}, but none {_either(missed)}."
    largest = max(_largest_together(spots) for spots in spots_by_coach.values())
    where = _where(group.spots)
    message = (
        f"Only {largest} free {_class_words(preferences)}{_seats(largest)} together; "
        f"chose {count} seats in coach {coach_no} {where}."
    )
    if missed:
        message += f" None is {_either(missed)}."
    return message


def _largest_together(spots: list[_Spot]) -> int:
    """Size of the biggest connected group of candidates on one side of an aisle."""
    by_cell = {(spot.block, spot.row, spot.column) for spot in spots}
    seen: set[tuple[int, int, int]] = set()
    largest = 0
    for cell in sorted(by_cell):
        if cell in seen:
            continue
        seen.add(cell)
        todo = [cell]
        size = 0
        while todo:
            block, row, column = todo.pop()
            size += 1
            for step in ((0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)):
                near = (block, row + step[1], column + step[2])
                if near in by_cell and near not in seen:
                    seen.add(near)
                    todo.append(near)
        largest = max(largest, size)
    return largest


def _where(group: Sequence[_Spot]) -> str:
    rows = {spot.row for spot in group}
    across = len({spot.block for spot in group}) > 1
    if len(rows) == 1:
        return "across the aisle" if across else "in one row, not side by side"
    spread = "two rows" if len(rows) == 2 else f"{len(rows)} rows"
    return f"across the aisle and {spread}" if across else f"across {spread}"


def _not_enough_message(count: int, available: int, preferences: SeatPreferences) -> str:
    return (
        f"Not enough free {_class_words(preferences)}seats on this train for "
        f"{count} {'passenger' if count == 1 else 'passengers'} ({available} free)."
    )


def _class_words(preferences: SeatPreferences) -> str:
    if preferences.seat_class == SeatClass.FIRST:
        return "first-class "
    if preferences.seat_class == SeatClass.STANDARD:
        return "standard "
    return ""


def _seats(number: int) -> str:
    return "seat" if number == 1 else "seats"


def _party(count: int) -> str:
    return "1 seat" if count == 1 else f"{count} seats"


def _either(missed: list[str]) -> str:
    return missed[0] if len(missed) == 1 else ", ".join(missed[:-1]) + " or " + missed[-1]


def _join(numbers: list[int]) -> str:
    text = [str(number) for number in numbers]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]
