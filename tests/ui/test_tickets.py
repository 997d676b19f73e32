"""Tickets on paper: one PDF page per passenger, and a QR code that scans back at 203 dpi."""

from __future__ import annotations

import re
import shutil
import subprocess

import owner_reads
import pytest
import ticket_keys
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from ticket_office.domain.errors import NotFound
from ticket_office.domain.ticket_payload import verify_ticket_payload
from ticket_office.services import ticket_signing
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.tickets import (
    TicketPreviewDialog,
    paint_ticket,
    print_tickets,
    render_ticket_image,
    save_tickets_pdf,
)
from ticket_office.ui.shared.tickets.output import PAGE_HEIGHT_MM, PAGE_WIDTH_MM, THERMAL_DPI

zxingcpp = pytest.importorskip("zxingcpp", reason="QR decoding needs the zxing-cpp test extra")


@pytest.fixture
def reference(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    seats = [s.seat_id for c in seat_map.coaches for s in c.seats if s.state.value == "free"][:2]
    return (
        services.counter(clerk)
        .book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (
                    PassengerRequest(seats[0], "Ana Silva"),
                    PassengerRequest(seats[1], "Rui Silva", "child"),
                ),
                Payment("card", None, "CARD-7"),
            ),
        )
        .reference
    )


@pytest.fixture
def documents(services, clerk, reference):
    return services.counter(clerk).ticket_documents(reference)


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def decode(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [result.text for result in zxingcpp.read_barcodes(gray)]


def test_the_pdf_has_one_page_per_passenger(qapp, tmp_path, documents):
    path = save_tickets_pdf(tmp_path / "tickets.pdf", documents)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(data) == len(documents) == 2


def test_the_pdf_page_is_a_ticket_roll_80_mm_wide(qapp, tmp_path, documents):
    data = save_tickets_pdf(tmp_path / "tickets.pdf", documents[:1]).read_bytes()
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in box.groups())
    assert width_mm == pytest.approx(PAGE_WIDTH_MM, abs=0.5)
    assert height_mm == pytest.approx(PAGE_HEIGHT_MM, abs=0.5)


def test_the_qr_code_scans_at_thermal_printer_resolution_and_verifies(
    qapp, services, conductor, documents
):
    keys = services.conductor(conductor).public_keys()
    for document in documents:
        (scanned,) = decode(render_ticket_image(document, THERMAL_DPI))
        assert scanned == document.qr_text
        verified = verify_ticket_payload(scanned, keys)
        assert (verified.reference, verified.ticket_id) == (document.reference, document.ticket_id)


def test_qr_modules_are_whole_printer_dots_with_no_grey(qapp, documents):
    image = render_ticket_image(documents[0], THERMAL_DPI).convertToFormat(
        QImage.Format.Format_Grayscale8
    )
    (result,) = zxingcpp.read_barcodes(image)
    left, top = result.position.top_left.x, result.position.top_left.y
    right, bottom = result.position.bottom_right.x, result.position.bottom_right.y
    assert abs((right - left) - 41 * 4) <= 1  # version 6: 41 modules, each 4 dots at 203 dpi
    greys = {
        image.pixelColor(x, y).red() for y in range(top, bottom + 1) for x in range(left, right + 1)
    }
    assert greys <= {0, 255}


def test_on_a_narrow_58_mm_roll_the_ticket_shrinks_and_still_scans(qapp, documents):
    dots_per_mm = THERMAL_DPI / 25.4
    image = QImage(round(48 * dots_per_mm), round(110 * dots_per_mm), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(THERMAL_DPI / 0.0254))
    image.setDotsPerMeterY(round(THERMAL_DPI / 0.0254))
    image.fill(QColor("white"))
    painter = QPainter(image)
    area = QRectF(0, 0, image.width(), image.height())
    drawn = paint_ticket(painter, documents[0], area)
    painter.end()
    assert drawn.width() <= image.width()
    assert decode(image) == [documents[0].qr_text]


def test_an_a4_page_gets_the_ticket_at_full_size_with_a_cut_line(qapp, documents):
    dpi = 150
    image = QImage(round(210 * dpi / 25.4), round(297 * dpi / 25.4), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    image.fill(QColor("white"))
    painter = QPainter(image)
    drawn = paint_ticket(painter, documents[0], QRectF(0, 0, image.width(), image.height()))
    painter.end()
    assert drawn.width() * 25.4 / dpi == pytest.approx(72, abs=0.2)
    assert decode(image) == [documents[0].qr_text]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")
def test_the_pdf_rasterised_by_poppler_at_203_dpi_scans(qapp, tmp_path, documents):
    path = save_tickets_pdf(tmp_path / "tickets.pdf", documents)
    subprocess.run(
        ["pdftoppm", "-r", str(THERMAL_DPI), "-gray", "-png", str(path), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert [decode(QImage(str(page))) for page in pages] == [[d.qr_text] for d in documents]


def test_print_tickets_opens_a_preview_of_every_ticket(tasks, qtbot, services, clerk, reference):
    parent = qapp_parent(qtbot)
    print_tickets(parent, DeskContext.bind(services, clerk, tasks), reference)
    dialog = parent.findChild(TicketPreviewDialog)
    assert dialog is not None and dialog.isVisible()
    assert [d.passenger_name for d in dialog.documents] == ["Ana Silva", "Rui Silva"]
    assert reference in dialog.windowTitle()
    dialog.close()


def test_the_preview_saves_the_same_tickets_as_pdf(
    tasks, qtbot, tmp_path, services, clerk, reference
):
    parent = qapp_parent(qtbot)
    print_tickets(parent, DeskContext.bind(services, clerk, tasks), reference)
    dialog = parent.findChild(TicketPreviewDialog)
    saved = dialog.save_pdf(str(tmp_path / "again.pdf"))
    assert pdf_page_count((tmp_path / "again.pdf").read_bytes()) == 2
    assert saved.endswith("again.pdf")
    dialog.close()


def test_a_reprint_from_the_desk_is_audited(tasks, qtbot, backend, services, clerk, reference):
    parent = qapp_parent(qtbot)
    print_tickets(parent, DeskContext.bind(services, clerk, tasks), reference, reprint=True)
    parent.findChild(TicketPreviewDialog).close()
    assert "reprint" in owner_reads.audit_kinds(backend)


def test_printing_an_unknown_booking_reports_the_error(tasks, qtbot, services, clerk):
    parent = qapp_parent(qtbot)
    errors: list[BaseException] = []
    print_tickets(
        parent,
        DeskContext.bind(services, clerk, tasks),
        "ZZZZZZ",
        on_error=errors.append,
    )
    assert len(errors) == 1 and isinstance(errors[0], NotFound)
    assert parent.findChild(TicketPreviewDialog) is None


def qapp_parent(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize(
    "name",
    [
        "Maria da Conceição de Albuquerque e Vasconcelos Sampaio Rodrigues",  # 65 characters
        "Ŵ" * 80,  # the longest name a sale takes, in wide letters, with no space to break at
    ],
)
def test_a_long_name_is_printed_whole_on_more_lines(qapp, tmp_path, services, clerk, journey, name):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    seat = next(s.seat_id for c in seat_map.coaches for s in c.seats if s.state.value == "free")
    reference = (
        services.counter(clerk)
        .book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (PassengerRequest(seat, name),),
                Payment("card", None, "CARD-8"),
            ),
        )
        .reference
    )
    path = save_tickets_pdf(
        tmp_path / "long.pdf", services.counter(clerk).ticket_documents(reference)
    )
    printed = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "".join(name.split()) in "".join(printed.split())
    assert "…" not in printed


def test_a_first_print_that_failed_is_no_reprint_when_tried_again(
    tasks, qtbot, monkeypatch, backend, services, clerk, reference
):
    from ticket_office.ui.shared.tickets import ticket_printer

    parent = qapp_parent(qtbot)
    errors: list[BaseException] = []
    print_reference = ticket_printer(
        parent, DeskContext.bind(services, clerk, tasks), on_error=errors.append
    )
    monkeypatch.setenv(ticket_signing.SECRET_ENV, "too short")  # signing fails: nothing issued
    print_reference(reference)
    assert len(errors) == 1 and parent.findChild(TicketPreviewDialog) is None
    monkeypatch.setenv(ticket_signing.SECRET_ENV, ticket_keys.TEST_SIGNING_SECRET)
    print_reference(reference)
    dialog = parent.findChild(TicketPreviewDialog)
    assert not any(document.reprint for document in dialog.documents)
    dialog.close()
    print_reference(reference)  # now the tickets were issued: a reprint
    assert all(d.reprint for d in parent.findChildren(TicketPreviewDialog)[-1].documents)
    assert owner_reads.audit_kinds(backend).count("reprint") == 1
