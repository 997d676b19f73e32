"""Legs of a run as half-open ranges of stop positions.

A ticket from stop 2 to stop 5 occupies its seat on the legs [2, 5): it leaves the seat free
at stop 5, so another passenger may board there. The database stores the same thing as an
`int4range`, and its exclusion constraint uses the same overlap rule as `Segment.overlaps` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticket_office.domain.errors import InvalidSegment

MAX_POSITION = 32_767  # stop positions are stored as smallint; no route comes near it


@dataclass(frozen=True, slots=True, order=True)
class Segment:
    """Boarding at stop position `board`, alighting at `alight` (positions along the run)."""

    board: int
    alight: int

    def __post_init__(self) -> None:
        for position in (self.board, self.alight):
            if isinstance(position, bool) or not isinstance(position, int):
                raise InvalidSegment("Choose the stops from this train's route.")
        if self.board < 0 or self.alight < 0:
            raise InvalidSegment("Stop positions cannot be negative.")
        if self.board > MAX_POSITION or self.alight > MAX_POSITION:
            raise InvalidSegment("That stop is not on this train's route.")
        if self.alight <= self.board:
            raise InvalidSegment(
                "The destination must come after the origin on this train."
                if self.alight < self.board
                else "Origin and destination are the same stop."
            )

    def overlaps(self, other: Segment) -> bool:
        return self.board < other.alight and other.board < self.alight

    def legs(self) -> range:
        return range(self.board, self.alight)
