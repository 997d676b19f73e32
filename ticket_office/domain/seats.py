"""Seat vocabulary shared by the services and the seat map."""

from __future__ import annotations

from enum import StrEnum

# The most seats one sale takes: the service checks it, the seat map and the picker offer no
# more. The database's `sell_seats` function checks the same number in its own SQL.
MAX_PARTY = 9


class SeatFeature(StrEnum):
    WINDOW = "window"
    AISLE = "aisle"
    TABLE = "table"
    WHEELCHAIR = "wheelchair"
    QUIET = "quiet"

    @property
    def title(self) -> str:
        return {"wheelchair": "Wheelchair space", "quiet": "Quiet zone"}.get(
            self.value, self.value.capitalize()
        )


class SeatState(StrEnum):
    FREE = "free"
    TAKEN = "taken"
    HELD = "held"  # held by another clerk
    HELD_BY_ME = "held_by_me"
    NOT_FOR_SALE = "not_for_sale"

    @property
    def title(self) -> str:
        return {
            "free": "Free",
            "taken": "Sold",
            "held": "Held by another clerk",
            "held_by_me": "Held by you",
            "not_for_sale": "Not for sale",
        }[self.value]


def seat_caption(coach_no: int, label: str) -> str:
    """How messages name a seat: "coach 4 seat 12"."""
    return f"coach {coach_no} seat {label}"
