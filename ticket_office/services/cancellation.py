"""Cancelling a whole booking or single tickets, with the refund rule shown first and recorded.

The quote is a read here; the cancellation itself is the server's (`cancel_tickets`), which
prices the same refunds from the same rule (domain/refunds.py; tests compare the two).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from ticket_office.domain.errors import BookingNotChangeable, NotFound
from ticket_office.domain.ids import BIGINT_MAX
from ticket_office.domain.money import format_cents
from ticket_office.domain.refunds import RULE_TEXT, quote_refund
from ticket_office.domain.roles import Permission
from ticket_office.services import arguments, requests
from ticket_office.services.access import require, require_active
from ticket_office.services.booking_lookup import booking_by_reference, checked_reference
from ticket_office.services.results import (
    BookingDetails,
    CancellationQuote,
    OperatorContext,
    RefundLine,
)
from ticket_office.services.unit_of_work import UnitOfWork


def _quote(booking: BookingDetails, ticket_ids: Sequence[int] | None, now) -> CancellationQuote:
    active = {t.ticket_id: t for t in booking.tickets if t.status == "active"}
    if not active:
        raise BookingNotChangeable(f"Booking {booking.reference} has no active tickets left.")
    chosen = list(active) if ticket_ids is None else list(ticket_ids)
    if unknown := [tid for tid in chosen if tid not in active]:
        known = {t.ticket_id for t in booking.tickets}
        if any(tid not in known for tid in unknown):
            raise NotFound(f"That ticket is not part of booking {booking.reference}.")
        raise BookingNotChangeable("That ticket is already cancelled.")
    lines = []
    reason = ""
    for tid in chosen:
        ticket = active[tid]
        refund = quote_refund(ticket.fare_cents, booking.departs_at, now)
        reason = refund.reason
        lines.append(
            RefundLine(
                tid, ticket.passenger_name, ticket.fare_cents, refund.fee_cents, refund.refund_cents
            )
        )
    return CancellationQuote(booking.reference, RULE_TEXT, reason, tuple(lines))


def _chosen_tickets(ticket_ids: object) -> tuple[int, ...] | None:
    """None for the whole booking; otherwise the tickets named, at least one."""
    if ticket_ids is None:
        return None
    return arguments.id_list(
        ticket_ids, "ticket", limit=BIGINT_MAX, empty_message="Choose the tickets to cancel."
    )


def _now(uow: UnitOfWork):
    return uow.session.execute(text("SELECT now()")).scalar_one()


def quote_cancellation(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    ticket_ids: Sequence[int] | None = None,
) -> CancellationQuote:
    require(operator, Permission.CANCEL)
    ticket_ids = _chosen_tickets(ticket_ids)
    with uow:
        require_active(uow.session, operator)
        booking = booking_by_reference(uow.session, reference)
        return _quote(booking, ticket_ids, _now(uow))


def cancel(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    ticket_ids: Sequence[int] | None = None,
    *,
    request_id: str | None = None,
) -> CancellationQuote:
    """Cancel the chosen tickets (all when none are named); their seats are free at once.

    The server checks, prices each refund and records it with the audit event
    (`cancel_tickets`, migrations/sql/0019_changes.sql); `request_id` (a fresh one when None)
    makes sending it again harmless.
    """
    require(operator, Permission.CANCEL)
    ticket_ids = _chosen_tickets(ticket_ids)
    code = checked_reference(reference)
    result = requests.send(
        uow,
        operator,
        _CANCEL,
        (code, None if ticket_ids is None else _bigint_array(ticket_ids)),
        request_id=request_id,
        what=f"the cancellation of booking {code}",
        saved=_saved,
    )
    return _cancelled(result)


_CANCEL = "SELECT cancel_tickets($1, $2::uuid, $3, $4::bigint[])"


def _bigint_array(ids: Sequence[int]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def _cancelled(result: dict) -> CancellationQuote:
    lines = tuple(
        RefundLine(line["ticket"], line["passenger"], line["fare"], line["fee"], line["refund"])
        for line in result["lines"]
    )
    return CancellationQuote(result["reference"], RULE_TEXT, result["reason"], lines)


def _saved(result: dict) -> str:
    done = _cancelled(result)
    count = len(done.lines)
    tickets = "1 ticket" if count == 1 else f"{count} tickets"
    return f"{tickets} cancelled, refund {format_cents(done.refund_cents)}."
