"""Tickets to paper, PDF or image: one page per passenger, all painted by `paint_ticket`.

The ticket page is 80 mm wide (a thermal roll) with 4 mm margins. PDFs are written at 203 dpi,
the thermal printers' resolution, so every QR module lands on whole printer dots when the PDF
is printed on one; text and lines stay vector and sharp at any resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import (
    QColor,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from ticket_office.services.ticket_documents import TicketDocument
from ticket_office.ui.shared.tickets.ticket_painter import TICKET_HEIGHT_MM, paint_ticket

PAGE_WIDTH_MM = 80.0
PAGE_MARGIN_MM = 4.0
PAGE_HEIGHT_MM = TICKET_HEIGHT_MM + 2 * PAGE_MARGIN_MM
THERMAL_DPI = 203
SHEET_MARGIN_MM = 10.0


def ticket_page_layout() -> QPageLayout:
    size = QPageSize(
        QSizeF(PAGE_WIDTH_MM, PAGE_HEIGHT_MM),
        QPageSize.Unit.Millimeter,
        "Ticket 80 mm",
        QPageSize.SizeMatchPolicy.ExactMatch,
    )
    margins = QMarginsF(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, margins, QPageLayout.Unit.Millimeter)


def sheet_page_layout(size: QPageSize) -> QPageLayout:
    """A sheet printer's page (A4, Letter …): the ticket at full size in its top corner, with
    its cut line."""
    margins = QMarginsF(SHEET_MARGIN_MM, SHEET_MARGIN_MM, SHEET_MARGIN_MM, SHEET_MARGIN_MM)
    return QPageLayout(size, QPageLayout.Orientation.Portrait, margins, QPageLayout.Unit.Millimeter)


def paint_documents(
    device: QPagedPaintDevice, documents: Sequence[TicketDocument], resolution: int
) -> None:
    """Paint each ticket on its own page of a PDF writer or printer."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("Could not start printing on this device.")
    try:
        for index, document in enumerate(documents):
            if index:
                device.newPage()
            paint_rect = device.pageLayout().paintRectPixels(resolution)
            paint_ticket(painter, document, QRectF(0, 0, paint_rect.width(), paint_rect.height()))
    finally:
        painter.end()


def save_tickets_pdf(path: str | Path, documents: Sequence[TicketDocument]) -> Path:
    """Write the tickets to a PDF file, one page per passenger; return its path."""
    if not documents:
        raise ValueError("No tickets to write.")
    target = Path(path)
    writer = QPdfWriter(str(target))
    writer.setResolution(THERMAL_DPI)
    writer.setPageLayout(ticket_page_layout())
    writer.setTitle(f"Tickets {documents[0].reference}")
    writer.setCreator("Ticket Office")
    paint_documents(writer, documents, THERMAL_DPI)
    del writer  # closes the file
    return target


def render_ticket_image(document: TicketDocument, dpi: int = 300) -> QImage:
    """The ticket's page as an image at `dpi`, white background: previews, tests, README."""
    px_per_mm = dpi / 25.4
    image = QImage(
        round(PAGE_WIDTH_MM * px_per_mm),
        round(PAGE_HEIGHT_MM * px_per_mm),
        QImage.Format.Format_RGB32,
    )
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor(255, 255, 255))
    margin = PAGE_MARGIN_MM * px_per_mm
    painter = QPainter(image)
    try:
        paint_ticket(
            painter,
            document,
            QRectF(margin, margin, image.width() - 2 * margin, image.height() - 2 * margin),
        )
    finally:
        painter.end()
    return image
