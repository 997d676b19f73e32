"""The key to the seat map, drawn with the very painter the map uses so the two always agree.

Entries flow onto a second line when the widget is narrow (`heightForWidth`). A read-only
map's key (the conductor's) leaves out what only a clerk's own picking shows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ticket_office.domain.seats import SeatFeature
from ticket_office.ui.shared.seat_map.colours import seat_colours
from ticket_office.ui.shared.seat_map.seat_painter import SeatLook, SeatPainter

SAMPLE = 26.0
SAMPLE_TEXT_GAP = 6.0
ENTRY_GAP = 18.0
LINE_GAP = 6.0
MARGIN = 6.0
GLYPH_SEAT = 56.0  # the seat size whose glyphs fill a sample

Sample = Callable[[QPainter, QRectF, SeatPainter], None]


def _seat(look: SeatLook, *features: SeatFeature) -> Sample:
    def paint(painter: QPainter, rect: QRectF, seats: SeatPainter) -> None:
        seats.paint_seat(painter, rect, look, "", frozenset(features), True)

    return paint


def _window(painter: QPainter, rect: QRectF, seats: SeatPainter) -> None:
    seats.paint_seat(painter, rect.adjusted(0, 3, 0, 3), SeatLook.FREE, "", frozenset(), True)
    bar = QRectF(rect.left() + 4, rect.top() - 1, rect.width() - 8, 4)
    seats.paint_window(painter, bar)


def _table(painter: QPainter, rect: QRectF, seats: SeatPainter) -> None:
    seats.paint_table(painter, rect.adjusted(5, 2, -5, -2))


def _first_class(painter: QPainter, rect: QRectF, seats: SeatPainter) -> None:
    """The tinted floor and gold bracket that mark the first-class part of a coach."""
    colours = seats.colours
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colours.first_class_floor)
    painter.drawRoundedRect(rect.adjusted(0, 0, 0, -5), 4, 4)
    painter.setPen(seats.caption_pen)
    painter.drawLine(
        QPointF(rect.left() + 2, rect.bottom() - 1), QPointF(rect.right() - 2, rect.bottom() - 1)
    )


def _glyph(feature: SeatFeature) -> Sample:
    """Feature glyphs are small on a seat; the key shows them at a readable size."""

    def paint(painter: QPainter, rect: QRectF, seats: SeatPainter) -> None:
        big = SeatPainter(seats.colours, GLYPH_SEAT, painter.font(), seats.device_pixel_ratio)
        if feature is SeatFeature.WHEELCHAIR:
            big.paint_wheelchair(painter, rect.center(), seats.colours.text)
        else:
            big.paint_quiet(painter, rect.center())

    return paint


class SeatLegend(QWidget):
    def __init__(self, parent: QWidget | None = None, *, read_only: bool = False) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        picking: list[tuple[Sample, str]] = [
            (_seat(SeatLook.SELECTED), self.tr("Selected")),
            (_seat(SeatLook.HELD_BY_ME), self.tr("Held by you")),
            (_seat(SeatLook.HELD), self.tr("Held by another clerk")),
        ]
        if read_only:  # nothing is selected or held from a read-only map
            picking = [(_seat(SeatLook.HELD), self.tr("Held by a clerk"))]
        self._entries: list[tuple[Sample, str]] = [
            (_seat(SeatLook.FREE), self.tr("Free")),
            *picking,
            (_seat(SeatLook.TAKEN), self.tr("Sold")),
            (_seat(SeatLook.NOT_FOR_SALE), self.tr("Not for sale")),
            (_first_class, self.tr("First class")),
            (_window, self.tr("Window")),
            (_table, self.tr("Table")),
            (_glyph(SeatFeature.WHEELCHAIR), self.tr("Wheelchair space")),
            (_glyph(SeatFeature.QUIET), self.tr("Quiet zone")),
        ]

    def entry_texts(self) -> list[str]:
        return [text for _, text in self._entries]

    def _positions(self, width: float) -> list[QRectF]:
        """Where each entry (sample and text) goes when the legend is `width` wide."""
        metrics = QFontMetricsF(self.font())
        height = max(SAMPLE, metrics.height())
        x, y = MARGIN, MARGIN
        places = []
        for _, text in self._entries:
            entry = SAMPLE + SAMPLE_TEXT_GAP + metrics.horizontalAdvance(text)
            if x > MARGIN and x + entry > width - MARGIN:
                x, y = MARGIN, y + height + LINE_GAP
            places.append(QRectF(x, y, entry, height))
            x += entry + ENTRY_GAP
        return places

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        places = self._positions(width)
        return int(places[-1].bottom() + MARGIN) + 1

    def sizeHint(self) -> QSize:
        places = self._positions(10_000)
        return QSize(int(places[-1].right() + MARGIN) + 1, int(places[-1].bottom() + MARGIN) + 1)

    def minimumSizeHint(self) -> QSize:
        # One line: the layout asks heightForWidth for the real width, so a narrow window
        # still gets every line without the legend forcing the whole panel taller.
        return QSize(200, self.heightForWidth(10_000))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        seats = SeatPainter(
            seat_colours(self.palette()), SAMPLE, self.font(), self.devicePixelRatioF()
        )
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        for (sample, text), place in zip(self._entries, self._positions(self.width()), strict=True):
            box = QRectF(place.left(), place.center().y() - SAMPLE / 2, SAMPLE, SAMPLE)
            sample(painter, box, seats)
            painter.setFont(self.font())
            painter.setPen(text_colour)
            label = place.adjusted(SAMPLE + SAMPLE_TEXT_GAP, 0, 0, 0)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text
            )
