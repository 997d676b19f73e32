"""Fares in force on a travel date, applied to a party. Prices never come from the client."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain import text_rules
from ticket_office.domain.errors import ValidationError
from ticket_office.domain.fares import Concession, FareRate, SeatClass, fare_for
from ticket_office.domain.ids import BIGINT_MAX, known_id
from ticket_office.domain.seats import MAX_PARTY
from ticket_office.services.results import ConcessionInfo

_RATES = text(
    """
    SELECT DISTINCT ON (seat_class) seat_class, base_cents, cents_per_km, minimum_cents
    FROM fare_rates WHERE valid_from <= :day
    ORDER BY seat_class, valid_from DESC
    """
)
_CONCESSIONS = text(
    "SELECT code, name, discount_percent FROM concessions ORDER BY sort_order, code"
)


class FareTable:
    """The rates and concessions in force on one day."""

    def __init__(self, rates: dict[SeatClass, FareRate], concessions: dict[str, Concession]):
        self.rates = rates
        self.concessions = concessions
        # The same few legs are priced over and over at a counter; Decimal arithmetic is not free.
        self._fares: dict[tuple[SeatClass, str, Decimal], int] = {}

    @classmethod
    def load(cls, session: Session, day: date) -> FareTable:
        rates = {
            SeatClass(r.seat_class): FareRate(
                SeatClass(r.seat_class), r.base_cents, Decimal(r.cents_per_km), r.minimum_cents
            )
            for r in session.execute(_RATES, {"day": day})
        }
        concessions = {
            r.code: Concession(r.code, r.name, r.discount_percent)
            for r in session.execute(_CONCESSIONS)
        }
        return cls(rates, concessions)

    @classmethod
    def from_rows(
        cls,
        rates: Sequence[Sequence[object]],
        concessions: Sequence[Sequence[object]],
    ) -> FareTable:
        """From (class, base, per km, minimum) and (code, name, percent) rows, e.g. JSON."""
        return cls(
            {
                SeatClass(c): FareRate(SeatClass(c), int(base), Decimal(str(per_km)), int(low))
                for c, base, per_km, low in rates
            },
            {
                str(code): Concession(str(code), str(name), int(pct))
                for code, name, pct in concessions
            },
        )

    def concession(self, code: str | None, position: int | None = None) -> Concession:
        key = code.strip().lower() if isinstance(code, str) else ""
        found = self.concessions.get(key)
        if found is None:
            who = f" for passenger {position}" if position else ""
            shown = text_rules.quoted(code if isinstance(code, str) else str(code or ""))
            raise ValidationError(
                f"Unknown concession “{shown}”{who}. Choose one of: " + ", ".join(self.concessions),
                field="concession",
            )
        return found

    def fare(self, seat_class: SeatClass, concession: Concession, distance_km: Decimal) -> int:
        key = (seat_class, concession.code, distance_km)
        fare = self._fares.get(key)
        if fare is None:
            rate = self.rates.get(seat_class)
            if rate is None:
                raise ValidationError(f"No {seat_class.title.lower()} fare is set for this date.")
            fare = self._fares[key] = fare_for(rate, concession, distance_km)
        return fare


def list_concessions(session: Session) -> list[ConcessionInfo]:
    return [
        ConcessionInfo(r.code, r.name, r.discount_percent) for r in session.execute(_CONCESSIONS)
    ]


def check_party_size(count: int) -> None:
    if count < 1:
        raise ValidationError("Choose at least one seat.", field="seats")
    if count > MAX_PARTY:
        raise ValidationError(f"A booking is for at most {MAX_PARTY} passengers.", field="seats")


def chosen_seats(seat_ids: Sequence[int]) -> tuple[int, ...]:
    """1 to MAX_PARTY distinct seat ids, as a tuple; ValidationError or NotFound otherwise."""
    if not isinstance(seat_ids, list | tuple):
        raise ValidationError("Choose at least one seat.", field="seats")
    check_party_size(len(seat_ids))
    return distinct_seats(seat_ids)


def distinct_seats(seat_ids: Sequence[int]) -> tuple[int, ...]:
    for seat_id in seat_ids:
        known_id(seat_id, "seat", limit=BIGINT_MAX)
    if len(set(seat_ids)) != len(seat_ids):
        raise ValidationError("The same seat is chosen twice.", field="seats")
    return tuple(seat_ids)
