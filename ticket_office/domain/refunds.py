"""The refund rule shown to the clerk before a cancellation and recorded with it.

Full refund up to 24 hours before departure from the passenger's boarding stop; after that a
fee of 20% (at least €2, never more than the fare); nothing once the train has left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ticket_office.domain.money import percent_of

FREE_CANCELLATION_BEFORE = timedelta(hours=24)
LATE_FEE_PERCENT = 20
LATE_FEE_MINIMUM_CENTS = 200

RULE_TEXT = (
    "Full refund up to 24 h before departure; 20% fee (at least €2.00) after that; "
    "no refund once the train has left."
)


@dataclass(frozen=True, slots=True)
class RefundQuote:
    fare_cents: int
    fee_cents: int
    refund_cents: int
    reason: str


def quote_refund(fare_cents: int, departs_at: datetime, now: datetime) -> RefundQuote:
    if now >= departs_at:
        return RefundQuote(fare_cents, fare_cents, 0, "The train has left: no refund.")
    if departs_at - now >= FREE_CANCELLATION_BEFORE:
        return RefundQuote(
            fare_cents, 0, fare_cents, "More than 24 h before departure: full refund."
        )
    fee = min(fare_cents, max(LATE_FEE_MINIMUM_CENTS, percent_of(fare_cents, LATE_FEE_PERCENT)))
    return RefundQuote(
        fare_cents, fee, fare_cents - fee, "Less than 24 h before departure: 20% fee."
    )
