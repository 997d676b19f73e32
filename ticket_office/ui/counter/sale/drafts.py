"""What the clerk typed for each passenger, kept until the sale is done.

Names belong to people, not seats: when a seat is lost to another desk and the clerk picks a
replacement, the passenger who lost it keeps their name on the new seat. So drafts are kept
per seat, and drafts whose seat left the selection move, in order, to the new seats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PassengerDraft:
    name: str = ""
    concession: str = "adult"

    @property
    def empty(self) -> bool:
        return not self.name.strip() and self.concession == "adult"


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    method: str = "cash"
    cash_given: str = ""
    card_reference: str = ""


def assign_drafts(
    seat_ids: Sequence[int], drafts: Mapping[int, PassengerDraft]
) -> list[PassengerDraft]:
    """One draft per seat, in seat order: its own, else one left over from a lost seat."""
    orphans = [
        draft for seat_id, draft in drafts.items() if seat_id not in seat_ids and not draft.empty
    ]
    assigned = []
    for seat_id in seat_ids:
        own = drafts.get(seat_id)
        if own is not None and not own.empty:
            assigned.append(own)
        elif orphans:
            assigned.append(orphans.pop(0))
        else:
            assigned.append(own or PassengerDraft())
    return assigned
