"""What each printed ticket says: every field, in each station's own time zone, signed."""

from __future__ import annotations

from datetime import timedelta

import owner_reads
import pytest
from helpers import free_seats

from ticket_office.domain.errors import (
    BookingNotChangeable,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.ticket_payload import verify_ticket_payload
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment


@pytest.fixture
def sale(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    seats = free_seats(seat_map, 2)
    request = BookingRequest(
        journey.run_id,
        journey.board_position,
        journey.alight_position,
        (
            PassengerRequest(seats[0], "Ana Silva", "adult"),
            PassengerRequest(seats[1], "Rui Silva", "child"),
        ),
        Payment("cash", 100_000),
    )
    return services.counter(clerk).book(request)


def audit_kinds(backend) -> list[str]:
    return owner_reads.audit_kinds(backend)


def test_each_passenger_gets_a_document_with_every_printed_field(services, clerk, journey, sale):
    documents = services.counter(clerk).ticket_documents(sale.reference)
    assert [(d.number, d.count) for d in documents] == [(1, 2), (2, 2)]
    by_name = {d.passenger_name: d for d in documents}
    assert set(by_name) == {"Ana Silva", "Rui Silva"}
    ana, rui = by_name["Ana Silva"], by_name["Rui Silva"]
    assert ana.concession_name == "Adult" and rui.concession_name.startswith("Child")
    for document, line in zip(
        sorted(documents, key=lambda d: d.passenger_name), sale.lines, strict=True
    ):
        assert document.reference == sale.reference
        assert document.train_number == journey.train_number
        assert (document.origin.code, document.destination.code) == ("PCA", "MAD")
        assert (document.coach_no, document.seat_label) == (line.coach_no, line.seat_label)
        assert document.seat_class is line.seat_class
        assert document.fare_cents == line.fare_cents
        assert document.issuing_station == "Porto Campanhã"
        assert document.clerk_name == "Carla Mendes"
        assert document.reprint is False
    assert isinstance(ana.seat_class, SeatClass)


def test_times_are_in_each_stations_own_time_zone(services, clerk, journey, sale):
    document = services.counter(clerk).ticket_documents(sale.reference)[0]
    assert document.departs_at == journey.departs_at
    assert document.arrives_at == journey.arrives_at
    assert document.departs_at.tzinfo.key == "Europe/Lisbon"
    assert document.arrives_at.tzinfo.key == "Europe/Madrid"
    # Madrid is an hour ahead of Porto all year: the wall clocks differ from the instants.
    assert document.arrives_at.utcoffset() - document.departs_at.utcoffset() == timedelta(hours=1)
    assert document.travel_date == journey.departs_at.date()
    assert document.issued_at.tzinfo.key == "Europe/Lisbon"
    assert document.printed_at >= document.issued_at


def test_the_qr_payload_names_the_ticket_run_seat_and_leg(
    services, clerk, conductor, journey, sale
):
    documents = services.counter(clerk).ticket_documents(sale.reference)
    keys = services.conductor(conductor).public_keys()
    seats = {line.seat_id for line in sale.lines}
    for document in documents:
        verified = verify_ticket_payload(document.qr_text, keys)
        assert verified.ticket_id == document.ticket_id
        assert verified.run_id == journey.run_id
        assert verified.seat_id in seats
        assert (verified.board_position, verified.alight_position) == (
            journey.board_position,
            journey.alight_position,
        )
        assert verified.key_id == document.key_id


def test_prints_and_reprints_are_audited_and_reprints_say_so(backend, services, clerk, sale):
    first = services.counter(clerk).ticket_documents(sale.reference)
    assert not any(d.reprint for d in first)
    assert audit_kinds(backend).count("print") == 1
    again = services.counter(clerk).reprint_tickets(sale.reference)
    assert all(d.reprint for d in again)
    assert audit_kinds(backend).count("reprint") == 1


def test_cancelled_tickets_are_not_printed(services, clerk, sale):
    documents = services.counter(clerk).ticket_documents(sale.reference)
    services.counter(clerk).cancel(sale.reference, [documents[0].ticket_id])
    remaining = services.counter(clerk).reprint_tickets(sale.reference)
    assert [d.ticket_id for d in remaining] == [documents[1].ticket_id]
    assert remaining[0].count == 1
    services.counter(clerk).cancel(sale.reference)
    with pytest.raises(BookingNotChangeable, match="no active tickets"):
        services.counter(clerk).reprint_tickets(sale.reference)


@pytest.mark.parametrize(
    ("reference", "error"),
    [("", ValidationError), ("not a ref", ValidationError), ("ZZZZZZ", NotFound)],
)
def test_a_bad_reference_is_refused_clearly_and_nothing_is_written(
    backend, services, clerk, reference, error
):
    before = audit_kinds(backend)
    with pytest.raises(error):
        services.counter(clerk).reprint_tickets(reference)
    assert audit_kinds(backend) == before


def test_a_conductor_may_not_print_tickets(services, conductor, sale):
    with pytest.raises(PermissionDenied):
        services.counter(conductor).ticket_documents(sale.reference)
