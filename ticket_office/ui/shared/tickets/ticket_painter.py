"""One ticket, painted with QPainter on any device: a PDF page, a printer page or an image.

The ticket is laid out in millimetres for an 80 mm thermal roll (72 mm printable) and painted
at its physical size wherever it goes: on an A4 page it sits centred at the top with a dashed
cut line around it, so the QR code keeps the same module size (0.5 mm) on every printer. On
paper narrower than 72 mm everything shrinks to fit, and the QR modules stay whole pixels.

Black on white only: thermal printers have no grey, and dithered grey reads badly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QTextLayout, QTextOption

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.money import format_cents
from ticket_office.services.ticket_documents import TicketDocument
from ticket_office.ui.dates import day_text, day_time_text, short_day_text, time_text
from ticket_office.ui.shared.tickets.qr_painter import (
    module_pixels,
    paint_qr,
    qr_matrix,
    symbol_pixels,
)

TICKET_WIDTH_MM = 72.0  # printable width of an 80 mm roll
TICKET_HEIGHT_MM = 136.0  # room for a reprint note under a name on three lines
QR_MODULE_MM = 0.5  # 4 dots at 203 dpi
CUT_LINE_ROOM_MM = 10.0  # paper this much wider than a ticket gets a cut line
FONT_FAMILIES = ["DejaVu Sans", "Noto Sans", "Arial", "Helvetica", "Liberation Sans"]
BLACK = QColor(0, 0, 0)
WHITE = QColor(255, 255, 255)
LEFT = Qt.AlignmentFlag.AlignLeft
# A passenger's name must be on the ticket whole (it is checked against ID): one line at full
# size if it fits, else two smaller lines, else three small ones; (font size, lines) in mm.
NAME_FITS = ((4.4, 1), (3.5, 1), (3.0, 2), (2.4, 3), (2.0, 3))  # 80 wide Ǆ need the last
LINE_SPACING = 1.2


def _tr(text: str) -> str:
    return QCoreApplication.translate("TicketPainter", text)


@dataclass(frozen=True)
class _Canvas:
    """Millimetres on the ticket to device pixels."""

    painter: QPainter
    left: float
    top: float
    px_per_mm: float

    def x(self, mm: float) -> float:
        return self.left + mm * self.px_per_mm

    def y(self, mm: float) -> float:
        return self.top + mm * self.px_per_mm

    def rect(self, x: float, y: float, width: float, height: float) -> QRectF:
        return QRectF(self.x(x), self.y(y), width * self.px_per_mm, height * self.px_per_mm)

    def font(self, size_mm: float, *, bold: bool = False, mono: bool = False) -> QFont:
        font = QFont()
        font.setFamilies(["DejaVu Sans Mono", "Consolas", "Courier New"] if mono else FONT_FAMILIES)
        font.setStyleHint(QFont.StyleHint.Monospace if mono else QFont.StyleHint.SansSerif)
        font.setPixelSize(max(1, round(size_mm * self.px_per_mm)))
        font.setBold(bold)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        return font

    def text(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        mono: bool = False,
        align: Qt.AlignmentFlag = LEFT,
        colour: QColor = BLACK,
    ) -> None:
        """Text in the box, vertically centred; shrunk (to 60% at most), then elided to fit."""
        box = self.rect(x, y, width, height)
        font = self.font(size, bold=bold, mono=mono)
        natural = QFontMetricsF(font).horizontalAdvance(text)
        if natural > box.width():
            font = self.font(size * max(0.6, box.width() / natural * 0.98), bold=bold, mono=mono)
        fitted = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        self.painter.setFont(font)
        self.painter.setPen(colour)
        self.painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, fitted)

    def wrapped_text(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        fits: tuple[tuple[float, int], ...],
        *,
        bold: bool = False,
    ) -> float:
        """Text on as few lines as the first fitting (size, lines) allows, broken between
        words where it can and anywhere where it must; the last choice is used whatever
        happens. Returns the height painted, in mm."""
        for size, most in fits:
            layout = self._layout(text, self.font(size, bold=bold), width)
            if layout.lineCount() <= most:
                break
        self.painter.setPen(BLACK)
        layout.draw(self.painter, QPointF(self.x(x), self.y(y)))
        return layout.boundingRect().height() / self.px_per_mm

    def _layout(self, text: str, font: QFont, width_mm: float) -> QTextLayout:
        layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        line_height = QFontMetricsF(font).height() * LINE_SPACING
        layout.beginLayout()
        top = 0.0
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width_mm * self.px_per_mm)
            line.setPosition(QPointF(0, top))
            top += line_height
        layout.endLayout()
        return layout

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        width_mm: float = 0.3,
        dashed: bool = False,
    ) -> None:
        pen = QPen(BLACK, width_mm * self.px_per_mm)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        self.painter.setPen(pen)
        self.painter.drawLine(QPointF(self.x(x1), self.y(y1)), QPointF(self.x(x2), self.y(y2)))

    def box(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        *,
        fill: QColor | None = None,
        line_mm: float = 0.3,
    ) -> None:
        self.painter.setPen(
            QPen(BLACK, line_mm * self.px_per_mm) if fill is None else Qt.PenStyle.NoPen
        )
        self.painter.setBrush(fill if fill is not None else Qt.BrushStyle.NoBrush)
        self.painter.drawRect(self.rect(x, y, width, height))


def ticket_size_px(px_per_mm: float, area_width: float) -> tuple[float, float]:
    """The ticket's width and height on a device, shrunk only for paper narrower than 72 mm."""
    scale = min(1.0, area_width / (TICKET_WIDTH_MM * px_per_mm))
    return TICKET_WIDTH_MM * px_per_mm * scale, TICKET_HEIGHT_MM * px_per_mm * scale


def paint_ticket(painter: QPainter, document: TicketDocument, area: QRectF) -> QRectF:
    """Paint one ticket at the top of `area` (device pixels), centred; return where it went."""
    device_px_per_mm = painter.device().logicalDpiX() / 25.4
    width, height = ticket_size_px(device_px_per_mm, area.width())
    px_per_mm = width / TICKET_WIDTH_MM
    left = round(area.left() + (area.width() - width) / 2)
    top = round(area.top())
    if area.width() - width >= CUT_LINE_ROOM_MM * px_per_mm:
        top += round(4 * px_per_mm)  # room above for the cut line
    canvas = _Canvas(painter, left, top, px_per_mm)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(QRectF(left, top, width, height), WHITE)
    if area.width() - width >= CUT_LINE_ROOM_MM * px_per_mm:
        _paint_cut_line(canvas)
    _paint_header(canvas, document)
    y = _paint_journey(canvas, document, 13.0)
    y = _paint_seat_grid(canvas, document, y + 2.0)
    y = _paint_passenger(canvas, document, y + 2.5)
    y = _paint_code(canvas, document, y + 2.0, device_px_per_mm)
    _paint_issue(canvas, document, y + 1.5)
    painter.restore()
    return QRectF(left, top, width, height)


def _paint_cut_line(canvas: _Canvas) -> None:
    canvas.painter.setPen(QPen(BLACK, 0.2 * canvas.px_per_mm, Qt.PenStyle.DashLine))
    canvas.painter.setBrush(Qt.BrushStyle.NoBrush)
    canvas.painter.drawRect(canvas.rect(-3, -3, TICKET_WIDTH_MM + 6, TICKET_HEIGHT_MM + 6))
    canvas.text(-3, -7, 40, 3.5, "✂  " + _tr("cut here"), 2.2)


def _paint_header(canvas: _Canvas, document: TicketDocument) -> None:
    canvas.box(0, 0, TICKET_WIDTH_MM, 11, fill=BLACK)
    canvas.text(2.5, 0.8, 44, 6, _tr("TRAIN TICKET"), 4.6, bold=True, colour=WHITE)
    canvas.text(2.5, 6.3, 44, 3.6, _tr("Bilhete · Billete · Seat reservation"), 2.3, colour=WHITE)
    first = document.seat_class is SeatClass.FIRST
    badge = _tr("1st CLASS") if first else _tr("STANDARD")
    canvas.box(TICKET_WIDTH_MM - 23, 2.2, 20.5, 6.6, fill=WHITE)
    canvas.text(
        TICKET_WIDTH_MM - 23,
        2.2,
        20.5,
        6.6,
        badge,
        3.0,
        bold=True,
        align=Qt.AlignmentFlag.AlignHCenter,
    )


def _clock(moment: datetime) -> str:
    return time_text(moment)


def _zone(moment: datetime) -> str:
    return moment.tzname() or ""


def _day(moment: datetime) -> str:
    return day_text(moment)


def _paint_journey(canvas: _Canvas, document: TicketDocument, y: float) -> float:
    canvas.text(0, y, TICKET_WIDTH_MM, 5.5, _day(document.departs_at), 4.2, bold=True)
    y += 7.0
    stops = (
        (_tr("FROM"), document.origin.name, _tr("Dep"), document.departs_at),
        (_tr("TO"), document.destination.name, _tr("Arr"), document.arrives_at),
    )
    for label, station, verb, moment in stops:
        canvas.text(0, y, 12, 3.2, label, 2.4, bold=True)
        canvas.text(0, y + 3.0, 49, 5.5, station, 4.3, bold=True)
        canvas.text(50, y, 22, 3.2, verb, 2.4, bold=True, align=Qt.AlignmentFlag.AlignRight)
        canvas.text(
            47, y + 2.6, 25, 6.5, _clock(moment), 5.8, bold=True, align=Qt.AlignmentFlag.AlignRight
        )
        note = _tr("local time {0}").format(_zone(moment))
        if moment.date() != document.departs_at.date():
            note = f"{short_day_text(moment)} · {note}"
        canvas.text(30, y + 8.8, 42, 3.0, note, 2.3, align=Qt.AlignmentFlag.AlignRight)
        y += 12.5
    return y


def _paint_seat_grid(canvas: _Canvas, document: TicketDocument, y: float) -> float:
    cells = (
        (_tr("TRAIN"), document.train_number, 25.0),
        (_tr("COACH"), str(document.coach_no), 14.0),
        (_tr("SEAT"), document.seat_label, 14.0),
        (_tr("CLASS"), _tr("1st") if document.seat_class is SeatClass.FIRST else _tr("Std"), 19.0),
    )
    height = 11.5
    x = 0.0
    for label, value, width in cells:
        canvas.box(x, y, width, height, line_mm=0.35)
        canvas.text(x + 1.2, y + 0.6, width - 2.4, 3.2, label, 2.3, bold=True)
        canvas.text(
            x + 1.0,
            y + 3.6,
            width - 2.0,
            7.2,
            value,
            5.6,
            bold=True,
            align=Qt.AlignmentFlag.AlignHCenter,
        )
        x += width
    return y + height


def _paint_passenger(canvas: _Canvas, document: TicketDocument, y: float) -> float:
    canvas.text(0, y, 30, 3.2, _tr("PASSENGER"), 2.4, bold=True)
    name_height = canvas.wrapped_text(
        0, y + 3.4, TICKET_WIDTH_MM, document.passenger_name, NAME_FITS, bold=True
    )
    y += 3.4 + max(name_height, 5.3) + 0.8
    canvas.text(0, y, 40, 3.2, _tr("CONCESSION"), 2.4, bold=True)
    canvas.text(42, y, 30, 3.2, _tr("FARE"), 2.4, bold=True, align=Qt.AlignmentFlag.AlignRight)
    canvas.text(0, y + 3.0, 44, 5.0, document.concession_name, 3.6)
    canvas.text(
        42,
        y + 2.6,
        30,
        5.6,
        format_cents(document.fare_cents),
        4.6,
        bold=True,
        align=Qt.AlignmentFlag.AlignRight,
    )
    return y + 8.5


def _paint_code(
    canvas: _Canvas, document: TicketDocument, y: float, device_px_per_mm: float
) -> float:
    canvas.line(0, y, TICKET_WIDTH_MM, y, width_mm=0.3, dashed=True)
    y += 1.0
    matrix = qr_matrix(document.qr_text)
    # Whole device pixels per module; on shrunk tickets the module shrinks with them.
    module = module_pixels(QR_MODULE_MM * canvas.px_per_mm / device_px_per_mm, device_px_per_mm)
    symbol = paint_qr(canvas.painter, matrix, canvas.x(-1.5), canvas.y(y), module)
    symbol_mm = symbol_pixels(matrix, module) / canvas.px_per_mm
    text_left = symbol_mm + 0.5
    text_width = TICKET_WIDTH_MM - text_left
    canvas.text(text_left, y + 2.0, text_width, 3.2, _tr("BOOKING REFERENCE"), 2.4, bold=True)
    canvas.box(text_left, y + 5.4, text_width, 10.0, line_mm=0.6)
    canvas.text(
        text_left,
        y + 5.4,
        text_width,
        10.0,
        " ".join(document.reference),
        6.6,
        bold=True,
        mono=True,
        align=Qt.AlignmentFlag.AlignHCenter,
    )
    canvas.text(
        text_left,
        y + 16.5,
        text_width,
        3.6,
        _tr("Ticket {0} of {1}").format(document.number, document.count),
        3.0,
        bold=True,
    )
    canvas.text(
        text_left,
        y + 20.2,
        text_width,
        3.2,
        _tr("No. {0} · key {1}").format(document.ticket_id, document.key_id),
        2.4,
    )
    bottom = y + max(symbol.height() / canvas.px_per_mm - 1.5, 24.0)
    canvas.line(0, bottom, TICKET_WIDTH_MM, bottom, width_mm=0.3, dashed=True)
    return bottom


def _paint_issue(canvas: _Canvas, document: TicketDocument, y: float) -> None:
    issued = document.issued_at
    where = document.issuing_station or _tr("ticket office")
    canvas.text(
        0,
        y,
        TICKET_WIDTH_MM,
        3.4,
        _tr("Issued {0}").format(day_time_text(issued, zone=True)),
        2.6,
        bold=True,
    )
    canvas.text(
        0,
        y + 3.3,
        TICKET_WIDTH_MM,
        3.4,
        _tr("at {0} by {1}").format(where, document.clerk_name),
        2.6,
    )
    y += 7.0
    if document.reprint:
        printed = document.printed_at
        canvas.box(0, y, TICKET_WIDTH_MM, 4.0, line_mm=0.35)
        canvas.text(
            1,
            y,
            TICKET_WIDTH_MM - 2,
            4.0,
            _tr("REPRINT · {0}").format(day_time_text(printed, zone=True)),
            2.4,
            bold=True,
            align=Qt.AlignmentFlag.AlignHCenter,
        )
        y += 5.0
    for line in (
        _tr("Valid only on the train, date and seat shown."),
        _tr("Times are local at each station. Keep this ticket"),
        _tr("until the end of your journey; show it with ID."),
    ):
        canvas.text(0, y, TICKET_WIDTH_MM, 3.0, line, 2.2)
        y += 2.9
