"""Fare rules: a price per class by distance, then a concession discount.

The service looks up the rate and concession in force on the travel date and calls `fare_for`;
the client never supplies a price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ticket_office.domain.errors import ValidationError


class SeatClass(StrEnum):
    FIRST = "first"
    STANDARD = "standard"

    @property
    def title(self) -> str:
        return "First" if self is SeatClass.FIRST else "Standard"


@dataclass(frozen=True, slots=True)
class FareRate:
    """Price of one class: `base_cents` plus `cents_per_km` per km, never below `minimum_cents`."""

    seat_class: SeatClass
    base_cents: int
    cents_per_km: Decimal
    minimum_cents: int

    def full_fare(self, distance_km: Decimal) -> int:
        if distance_km <= 0:
            raise ValidationError("A journey must cover some distance.")
        raw = Decimal(self.base_cents) + self.cents_per_km * distance_km
        # Whole ten cents: easier change at a cash desk.
        tens = (raw / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return max(self.minimum_cents, int(tens) * 10)


@dataclass(frozen=True, slots=True)
class Concession:
    code: str
    name: str
    discount_percent: int

    def __post_init__(self) -> None:
        if not 0 <= self.discount_percent <= 100:
            raise ValueError("discount_percent must be within 0..100")

    def apply(self, full_fare_cents: int) -> int:
        payable = Decimal(full_fare_cents) * (100 - self.discount_percent) / 100
        return int(payable.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fare_for(rate: FareRate, concession: Concession, distance_km: Decimal) -> int:
    return concession.apply(rate.full_fare(distance_km))
