"""How one seat, table or window looks; shared by the seat map and its legend.

Every state differs in shape as well as colour, so the map reads without colour vision:
free is a plain outlined seat, selected is solid with an inner ring, held by you has a heavy border,
held by another clerk is hatched, sold is grey with a cross, not for sale is a dashed outline
with a slash. A `SeatPainter` is built for one seat size, palette and device pixel ratio. It draws
each kind of seat once into a small pixmap and afterwards only blits it and writes the label, so
a coach of 75 seats costs 75 blits and 75 cached texts rather than hundreds of antialiased paths.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QStaticText,
    QTransform,
)

from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.ui.shared.seat_map.colours import SeatColours

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

    def __init__(
        self,
        colours: SeatColours,
        seat_size: float,
        base_font: QFont,
        device_pixel_ratio: float = 1.0,
    ) -> None:
        self.colours = colours
        self.seat_size = s = seat_size
        self.device_pixel_ratio = self._ratio = device_pixel_ratio
        self._sprites: dict[tuple[SeatLook, bool, bool, bool], QPixmap] = {}
        self._panes: dict[tuple[int, int], QPixmap] = {}
        self._inset = max(1.0, 0.05 * s)
        self._radius = 0.18 * s
        self._backrest = 0.17 * s
        self._label_font = QFont(base_font)
        self._label_font.setPixelSize(max(7, round(0.33 * s)))
        self._label_font.setWeight(QFont.Weight.DemiBold)
        self.caption_pen = _round_pen(colours.first_class_badge, max(2.0, 0.07 * s))
        self.badge_font = QFont(base_font)
        self.badge_font.setPixelSize(max(8, round(0.3 * s)))
        self.badge_font.setBold(True)
        self._glyph_font = QFont(base_font)
        self._glyph_font.setPixelSize(max(7, round(0.36 * s)))
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
        self._mark_pens[SeatLook.SELECTED] = _round_pen(colours.selected.mark, max(1.0, 0.04 * s))
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
            SeatLook.SELECTED: _ring_path(s, self._inset + self._backrest),
            SeatLook.HELD: _hatch_path(s, self._inset + self._backrest),
            SeatLook.TAKEN: _cross_path(s),
            SeatLook.NOT_FOR_SALE: _slash_path(s),
        }
        self._marks = {True: marks, False: {k: mirror.map(p) for k, p in marks.items()}}
        self._quiet = _quiet_path(s)
        self._table_pen = QPen(colours.table_edge, line)
        self._table_brush = QBrush(colours.table)
        self._window_brush = QBrush(colours.window_glass)
        self._focus_pen = QPen(colours.focus, max(2.0, 0.07 * s))
        self._hover_pen = QPen(colours.hover, max(1.2, 0.045 * s))

    def paint_seat(
        self,
        painter: QPainter,
        rect: QRectF,
        look: SeatLook,
        label: str,
        features: Collection[SeatFeature],
        backrest_on_left: bool,
    ) -> None:
        """Blit the cached picture of this kind of seat, then write its label on it."""
        wheelchair = SeatFeature.WHEELCHAIR in features
        quiet = SeatFeature.QUIET in features
        key = (look, backrest_on_left, wheelchair, quiet)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = self._sprites[key] = self._render_sprite(*key)
        # Whole device pixels keep the blit sharp.
        ratio = self._ratio
        corner = QPointF(round(rect.x() * ratio) / ratio, round(rect.y() * ratio) / ratio)
        painter.drawPixmap(corner, sprite)
        if label:
            s = self.seat_size
            # With a feature glyph the label moves up to make a second line for the glyphs.
            lift = 0.14 * s if wheelchair or quiet else 0.0
            front = (self._backrest / 2) * (1 if backrest_on_left else -1)
            painter.setPen(self._styles[look].text)
            self._paint_label(painter, corner + QPointF(s / 2 + front, s / 2 - lift), label)

    def _render_sprite(
        self, look: SeatLook, backrest_on_left: bool, wheelchair: bool, quiet: bool
    ) -> QPixmap:
        side = math.ceil(self.seat_size * self._ratio)
        sprite = QPixmap(side, side)
        sprite.setDevicePixelRatio(self._ratio)
        sprite.fill(Qt.GlobalColor.transparent)
        painter = QPainter(sprite)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_seat(painter, look, backrest_on_left, wheelchair, quiet)
        painter.end()
        return sprite

    def _draw_seat(
        self,
        painter: QPainter,
        look: SeatLook,
        backrest_on_left: bool,
        wheelchair: bool,
        quiet: bool,
    ) -> None:
        """The seat without its label, at (0, 0)."""
        rect = QRectF(0, 0, self.seat_size, self.seat_size)
        body = rect.adjusted(self._inset, self._inset, -self._inset, -self._inset)
        painter.setPen(self._border_pens[look])
        painter.setBrush(self._fills[look])
        painter.drawRoundedRect(body, self._radius, self._radius)
        if look is not SeatLook.NOT_FOR_SALE:
            self._paint_backrest(painter, body, look, backrest_on_left)
        mark = self._marks[backrest_on_left].get(look)
        if mark is not None:
            painter.setPen(self._mark_pens[look])
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(mark)
        if wheelchair or quiet:
            front = (self._backrest / 2) * (1 if backrest_on_left else -1)
            self._paint_glyphs(painter, rect, look, front, wheelchair, quiet)

    def _paint_glyphs(
        self,
        painter: QPainter,
        rect: QRectF,
        look: SeatLook,
        front: float,
        wheelchair: bool,
        quiet: bool,
    ) -> None:
        s = self.seat_size
        centre = rect.center() + QPointF(front, 0.24 * s)
        step = 0.17 * s if wheelchair and quiet else 0.0
        colour = self._styles[look].text
        if wheelchair:
            self.paint_wheelchair(painter, centre - QPointF(step, 0), colour)
        if quiet:
            self.paint_quiet(painter, centre + QPointF(step, 0), self._glyph_pens[look])

    def paint_wheelchair(self, painter: QPainter, centre: QPointF, colour: QColor) -> None:
        s = self.seat_size
        painter.setPen(colour)
        painter.setFont(self._glyph_font)
        box = QRectF(centre.x() - 0.2 * s, centre.y() - 0.17 * s, 0.4 * s, 0.34 * s)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, WHEELCHAIR_GLYPH)

    def paint_quiet(self, painter: QPainter, centre: QPointF, pen: QPen | None = None) -> None:
        painter.translate(centre)
        painter.setPen(pen or self._glyph_pens[SeatLook.FREE])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._quiet)
        painter.translate(-centre)

    def _paint_backrest(
        self, painter: QPainter, body: QRectF, look: SeatLook, on_left: bool
    ) -> None:
        width = self._backrest
        x = body.left() if on_left else body.right() - width
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._backrest_brushes[look])
        painter.drawRoundedRect(QRectF(x, body.top(), width, body.height()), width / 2, width / 2)

    def _paint_label(self, painter: QPainter, centre: QPointF, label: str) -> None:
        static = self._labels.get(label)
        if static is None:
            static = QStaticText(label)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(QTransform(), self._label_font)
            self._labels[label] = static
        size = static.size()
        painter.setFont(self._label_font)
        painter.drawStaticText(
            QPointF(centre.x() - size.width() / 2, centre.y() - size.height() / 2), static
        )

    def paint_table(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(self._table_pen)
        painter.setBrush(self._table_brush)
        radius = 0.12 * self.seat_size
        painter.drawRoundedRect(rect, radius, radius)

    def paint_window(self, painter: QPainter, rect: QRectF) -> None:
        """A pane of glass on the wall; every pane of a coach has the same size, so blit one."""
        key = (round(rect.width() * 100), round(rect.height() * 100))
        pane = self._panes.get(key)
        if pane is None:
            pane = self._panes[key] = self._render_pane(rect.width(), rect.height())
        ratio = self._ratio
        painter.drawPixmap(
            QPointF(round(rect.x() * ratio) / ratio, round(rect.y() * ratio) / ratio), pane
        )

    def _render_pane(self, width: float, height: float) -> QPixmap:
        pane = QPixmap(math.ceil(width * self._ratio), math.ceil(height * self._ratio))
        pane.setDevicePixelRatio(self._ratio)
        pane.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pane)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._window_brush)
        painter.drawRoundedRect(QRectF(0, 0, width, height), height / 2, height / 2)
        painter.end()
        return pane

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


def _ring_path(s: float, edge: float) -> QPainterPath:
    """A second, inner outline: the shape that says "selected" besides the colour."""
    path = QPainterPath()
    ring = QRectF(edge + 0.07 * s, 0.13 * s, s - edge - 0.07 * s - 0.13 * s, 0.74 * s)
    path.addRoundedRect(ring, 0.1 * s, 0.1 * s)
    return path


def _quiet_path(s: float) -> QPainterPath:
    """A muted loudspeaker centred on (0, 0): a box, its cone and a slash."""
    path = QPainterPath()
    u = 0.038 * s
    path.addRect(QRectF(-3.2 * u, -1.1 * u, 1.4 * u, 2.2 * u))
    path.moveTo(-1.8 * u, -1.1 * u)
    path.lineTo(0.2 * u, -2.8 * u)
    path.lineTo(0.2 * u, 2.8 * u)
    path.lineTo(-1.8 * u, 1.1 * u)
    path.moveTo(1.4 * u, -1.6 * u)
    path.lineTo(3.6 * u, 1.6 * u)
    path.moveTo(3.6 * u, -1.6 * u)
    path.lineTo(1.4 * u, 1.6 * u)
    return path
