"""How one seat, table or window looks; shared by the seat map and its legend.

Every state differs in shape as well as colour, so the map reads without colour vision:
free is a plain outlined seat, selected is solid with a tick, held by you has a heavy border,
held by another clerk is hatched, sold is grey with a cross, not for sale is a dashed outline
with a slash. A `SeatPainter` is built for one seat size and palette and keeps its fonts, pens
and paths, so painting a coach allocates almost nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPainterPath, QPen, QStaticText, QTransform

from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.ui.seat_map.colours import SeatColours, StateColours

WHEELCHAIR_GLYPH = "\u267f"


class SeatLook(Enum):
    FREE = "free"
    SELECTED = "selected"
    HELD_BY_ME = "held_by_me"
    HELD = "held"
    TAKEN = "taken"
    NOT_FOR_SALE = "not_for_sale"


def look_of(state: SeatState, selected: bool) -> SeatLook:
    if selected:
        return SeatLook.SELECTED
    return SeatLook(state.value)


class SeatPainter:
    """Paints seats of one size in one colour set; build a new one when either changes."""

    def __init__(self, colours: SeatColours, seat_size: float, base_font: QFont) -> None:
        self.colours = colours
        self.seat_size = s = seat_size
        self._inset = max(1.0, 0.05 * s)
        self._radius = 0.18 * s
        self._backrest = 0.17 * s
        self._label_font = QFont(base_font)
        self._label_font.setPixelSize(max(7, round(0.33 * s)))
        self._label_font.setWeight(QFont.Weight.DemiBold)
        self.badge_font = QFont(base_font)
        self.badge_font.setPixelSize(max(8, round(0.3 * s)))
        self.badge_font.setBold(True)
        self._glyph_font = QFont(base_font)
        self._glyph_font.setPixelSize(max(6, round(0.3 * s)))
        self._labels: dict[str, QStaticText] = {}
        self._styles = {
            SeatLook.FREE: colours.free,
            SeatLook.SELECTED: colours.selected,
            SeatLook.HELD_BY_ME: colours.held_by_me,
            SeatLook.HELD: colours.held,
            SeatLook.TAKEN: colours.taken,
            SeatLook.NOT_FOR_SALE: colours.not_for_sale,
        }
        line = max(1.0, 0.04 * s)
        self._border_pens = {
            look: QPen(style.border, line * (2.2 if look is SeatLook.HELD_BY_ME else 1.0))
            for look, style in self._styles.items()
        }
        dashed = QPen(colours.not_for_sale.border, line, Qt.PenStyle.DashLine)
        self._border_pens[SeatLook.NOT_FOR_SALE] = dashed
        self._mark_pens = {
            look: _round_pen(style.mark, max(1.0, 0.055 * s))
            for look, style in self._styles.items()
        }
        self._mark_pens[SeatLook.SELECTED] = _round_pen(colours.selected.mark, max(1.3, 0.075 * s))
        self._glyph_pens = {
            look: _round_pen(style.text, max(1.0, 0.04 * s)) for look, style in self._styles.items()
        }
        self._fills = {
            look: QBrush(style.fill) if style.fill is not None else QBrush(Qt.BrushStyle.NoBrush)
            for look, style in self._styles.items()
        }
        self._backrest_brushes = {
            look: QBrush(style.border) for look, style in self._styles.items()
        }
        # Corner marks are drawn for a seat facing right and mirrored for one facing left, so
        # they always sit on the open side, clear of the backrest.
        mirror = QTransform(-1, 0, 0, 1, s, 0)
        marks = {
            SeatLook.SELECTED: _tick_path(s),
            SeatLook.HELD: _hatch_path(s, self._inset + self._backrest),
            SeatLook.TAKEN: _cross_path(s),
            SeatLook.NOT_FOR_SALE: _slash_path(s),
        }
        self._marks = {True: marks, False: {k: mirror.map(p) for k, p in marks.items()}}
        quiet = _quiet_path(s)
        self._quiet = {True: quiet, False: mirror.map(quiet)}
        self._table_pen = QPen(colours.table_edge, line)
        self._table_brush = QBrush(colours.table)
        self._window_brush = QBrush(colours.window_glass)
        self._focus_pen = QPen(colours.focus, max(2.0, 0.07 * s))
        self._hover_pen = QPen(colours.hover, max(1.2, 0.045 * s))

    def style(self, look: SeatLook) -> StateColours:
        return self._styles[look]

    def paint_seat(
        self,
        painter: QPainter,
        rect: QRectF,
        look: SeatLook,
        label: str,
        features: Collection[SeatFeature],
        backrest_on_left: bool,
    ) -> None:
        body = rect.adjusted(self._inset, self._inset, -self._inset, -self._inset)
        painter.setPen(self._border_pens[look])
        painter.setBrush(self._fills[look])
        painter.drawRoundedRect(body, self._radius, self._radius)
        if look is not SeatLook.NOT_FOR_SALE:
            self._paint_backrest(painter, body, look, backrest_on_left)
        origin = rect.topLeft()
        painter.translate(origin)
        mark = self._marks[backrest_on_left].get(look)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if mark is not None:
            painter.setPen(self._mark_pens[look])
            painter.drawPath(mark)
        if SeatFeature.QUIET in features:
            painter.setPen(self._glyph_pens[look])
            painter.drawPath(self._quiet[backrest_on_left])
        painter.translate(-origin)
        text_colour = self._styles[look].text
        painter.setPen(text_colour)
        if label:
            self._paint_label(painter, rect, label, backrest_on_left)
        if SeatFeature.WHEELCHAIR in features:
            painter.setFont(self._glyph_font)
            s = self.seat_size
            x = rect.right() - 0.44 * s if backrest_on_left else rect.left() + 0.1 * s
            corner = QRectF(x, rect.bottom() - 0.42 * s, 0.34 * s, 0.36 * s)
            painter.drawText(corner, Qt.AlignmentFlag.AlignCenter, WHEELCHAIR_GLYPH)

    def _paint_backrest(
        self, painter: QPainter, body: QRectF, look: SeatLook, on_left: bool
    ) -> None:
        width = self._backrest
        x = body.left() if on_left else body.right() - width
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._backrest_brushes[look])
        painter.drawRoundedRect(QRectF(x, body.top(), width, body.height()), width / 2, width / 2)

    def _paint_label(
        self, painter: QPainter, rect: QRectF, label: str, backrest_on_left: bool
    ) -> None:
        static = self._labels.get(label)
        if static is None:
            static = QStaticText(label)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), self._label_font)
            self._labels[label] = static
        size = static.size()
        nudge = self._backrest / 2 if backrest_on_left else -self._backrest / 2
        top_left = QPointF(
            rect.center().x() + nudge - size.width() / 2, rect.center().y() - size.height() / 2
        )
        painter.setFont(self._label_font)
        painter.drawStaticText(top_left, static)

    def paint_table(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(self._table_pen)
        painter.setBrush(self._table_brush)
        radius = 0.12 * self.seat_size
        painter.drawRoundedRect(rect, radius, radius)

    def paint_window(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._window_brush)
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)

    def paint_focus(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(self._focus_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        grow = 0.02 * self.seat_size
        painter.drawRoundedRect(rect.adjusted(-grow, -grow, grow, grow), self._radius, self._radius)

    def paint_hover(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(self._hover_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        body = rect.adjusted(self._inset, self._inset, -self._inset, -self._inset)
        painter.drawRoundedRect(body, self._radius, self._radius)


def _round_pen(colour, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _hatch_path(s: float, edge: float) -> QPainterPath:
    """Diagonal lines across the seat, clear of the backrest on either side."""
    path = QPainterPath()
    low, high = edge + 0.04 * s, s - edge - 0.04 * s
    top, bottom = 0.16 * s, s - 0.16 * s
    step = 0.2 * s
    offset = low + top
    while offset < high + bottom:
        # The line x + y = offset, cut to the box [low, high] x [top, bottom].
        x1, y1 = max(low, offset - bottom), min(bottom, offset - low)
        x2, y2 = min(high, offset - top), max(top, offset - high)
        if x2 > x1:
            path.moveTo(x1, y1)
            path.lineTo(x2, y2)
        offset += step
    return path


def _cross_path(s: float) -> QPainterPath:
    path = QPainterPath()
    a, b = 0.26 * s, 0.74 * s
    path.moveTo(a, a)
    path.lineTo(b, b)
    path.moveTo(b, a)
    path.lineTo(a, b)
    return path


def _slash_path(s: float) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(0.22 * s, 0.78 * s)
    path.lineTo(0.78 * s, 0.22 * s)
    return path


def _tick_path(s: float) -> QPainterPath:
    """A small tick in the top-right corner."""
    path = QPainterPath()
    path.moveTo(0.66 * s, 0.2 * s)
    path.lineTo(0.72 * s, 0.27 * s)
    path.lineTo(0.84 * s, 0.13 * s)
    return path


def _quiet_path(s: float) -> QPainterPath:
    """A muted loudspeaker low beside the backrest: a box, its cone and a slash."""
    path = QPainterPath()
    x, y, u = 0.27 * s, 0.67 * s, 0.04 * s
    path.addRect(QRectF(x, y + u, 1.2 * u, 2 * u))
    path.moveTo(x + 1.2 * u, y + u)
    path.lineTo(x + 2.6 * u, y - 0.2 * u)
    path.lineTo(x + 2.6 * u, y + 4.2 * u)
    path.lineTo(x + 1.2 * u, y + 3 * u)
    path.moveTo(x + 3.6 * u, y + 0.6 * u)
    path.lineTo(x + 5.4 * u, y + 3.4 * u)
    return path
