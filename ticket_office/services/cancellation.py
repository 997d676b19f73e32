"""Cancelling a whole booking or single tickets, with the refund rule shown first and recorded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from ticket_office.domain.errors import BookingNotChangeable, NotFound
from ticket_office.domain.ids import BIGINT_MAX
from ticket_office.domain.refunds import RULE_TEXT, quote_refund
from ticket_office.domain.roles import Permission
from ticket_office.services import arguments, audit
from ticket_office.services.access import require, require_active
from ticket_office.services.booking_lookup import booking_by_reference, lock_booking
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
) -> CancellationQuote:
    """Cancel the chosen tickets (all when none are named); their seats are free at once."""
    require(operator, Permission.CANCEL)
    ticket_ids = _chosen_tickets(ticket_ids)
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = lock_booking(session, reference)
        result = _quote(booking, ticket_ids, _now(uow))
        session.execute(
            text(
                """
                UPDATE tickets SET status = 'cancelled', cancelled_at = now(),
                       refund_cents = :refund
                WHERE id = :id AND status = 'active'
                """
            ),
            [{"id": line.ticket_id, "refund": line.refund_cents} for line in result.lines],
        )
        session.execute(
            text(
                """
                UPDATE bookings SET refunded_cents = refunded_cents + :refund,
                    status = CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE booking_id = :id
                                               AND status = 'active')
                                  THEN status ELSE 'cancelled' END
                WHERE id = :id
                """
            ),
            {"id": booking.booking_id, "refund": result.refund_cents},
        )
        audit.record(
            session,
            "cancellation",
            operator_id=operator.id,
            subject=booking.reference,
            tickets=[line.ticket_id for line in result.lines],
            refund_cents=result.refund_cents,
            rule=result.rule,
            reason=result.reason,
        )
        uow.seats_changed(booking.run_id)
        uow.commit()
    return result
