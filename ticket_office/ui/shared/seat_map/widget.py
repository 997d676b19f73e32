"""The seat map: one coach at a time, painted in the manner of Qt's Character Map example.

Mouse: a click toggles a free seat (or one you hold) in and out of the selection.

Keyboard: the map takes focus (click or Tab) and shows a focus ring on one seat.
- Arrow keys move the ring to the nearest seat that way, stepping over the aisle.
- Space toggles the seat under the ring; Home and End jump to the coach's first and last seat.
- Page Down / Page Up, and Ctrl+Tab / Ctrl+Shift+Tab, show the next / previous coach.
Plain Tab and Shift+Tab are deliberately left to Qt so they move focus out of the map as in
every other widget; cycling coaches on Tab would trap keyboard users inside.

The selection is a list of seat ids across all coaches, in the order they were chosen. Replacing
the seat map keeps the coach on screen and every selected seat that can still be sold; selected
seats that were sold or held meanwhile are dropped and announced through `seatsDropped`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QToolTip, QWidget

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import MAX_PARTY, SeatFeature, SeatState
from ticket_office.services.results import CoachInfo, SeatInfo, SeatMap
from ticket_office.ui.shared.seat_map.colours import seat_colours
from ticket_office.ui.shared.seat_map.geometry import (
    WINDOW_OVERHANG,
    CoachGeometry,
    Direction,
    layout_coach,
)
from ticket_office.ui.shared.seat_map.seat_painter import SeatPainter, look_of

SELECTABLE = frozenset({SeatState.FREE, SeatState.HELD_BY_ME})
DEFAULT_SEAT_SIZE = 34
MIN_SEAT_SIZE = 18
MAX_SEAT_SIZE = 56
MARGIN = 12

_ARROWS = {
    Qt.Key.Key_Left: Direction.LEFT,
    Qt.Key.Key_Right: Direction.RIGHT,
    Qt.Key.Key_Up: Direction.UP,
    Qt.Key.Key_Down: Direction.DOWN,
}


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


def _is_quiet_coach(coach: CoachInfo) -> bool:
    return bool(coach.seats) and all(SeatFeature.QUIET in seat.features for seat in coach.seats)


def utc_now() -> datetime:
    return datetime.now(UTC)


class SeatMapWidget(QWidget):
    """Shows one coach of a `SeatMap` and lets the clerk pick seats on it."""

    selectionChanged = Signal(list)  # seat ids, in the order chosen
    coachChanged = Signal(int)
    seatsDropped = Signal(list)  # "Coach 3, seat 42" for each selected seat no longer for sale
    message = Signal(str)  # a refusal to show the clerk

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAccessibleName(self.tr("Seat map"))
        self._clock = clock
        self._seat_map: SeatMap | None = None
        self._coaches: dict[int, CoachInfo] = {}
        self._seats: dict[int, SeatInfo] = {}
        self._coach_no: int | None = None
        self._selected: list[int] = []
        self._max_selection = MAX_PARTY
        self._min_seat_size = MIN_SEAT_SIZE
        self._read_only = False
        self._focus_seat: int | None = None
        self._hover_seat: int | None = None
        self._unit_size = (1.0, 1.0)  # the largest coach's size at seat size 1
        self._geometry: CoachGeometry | None = None
        self._layouts: dict[int, tuple[CoachGeometry, dict[int, frozenset[SeatFeature]]]] = {}
        self._painter: SeatPainter | None = None
        self._drawn_features: dict[int, frozenset[SeatFeature]] = {}
        self._background: QPixmap | None = None  # the coach without its seats, header included
        self._header_font = QFont(self.font())
        self._title_font = _bold(self._header_font)

    # --- data in -------------------------------------------------------------------------------

    def seat_map(self) -> SeatMap | None:
        return self._seat_map

    def set_seat_map(self, seat_map: SeatMap) -> None:
        previous_seats = self._seats
        self._seat_map = seat_map
        self._coaches = {coach.coach_no: coach for coach in seat_map.coaches}
        self._seats = {seat.seat_id: seat for coach in seat_map.coaches for seat in coach.seats}
        kept = [seat_id for seat_id in self._selected if self._is_selectable(seat_id)]
        dropped = [
            self.seat_name(previous_seats[seat_id])
            for seat_id in self._selected
            if seat_id not in kept and seat_id in previous_seats
        ]
        selection_changed = kept != self._selected
        self._selected = kept
        coach_changed = self._coach_no not in self._coaches
        if coach_changed:
            self._coach_no = seat_map.coaches[0].coach_no if seat_map.coaches else None
        self._unit_size = self._largest_coach_size(seat_map.coaches)
        self._forget_layout()
        self._hover_seat = None
        if self._seat_coach(self._focus_seat) != self._coach_no:
            self._focus_seat = self._first_seat()
        self.updateGeometry()
        self.update()
        self._describe_focus()
        if selection_changed:
            self.selectionChanged.emit(list(self._selected))
        if dropped:
            self.seatsDropped.emit(dropped)
        if coach_changed and self._coach_no is not None:
            self.coachChanged.emit(self._coach_no)

    # --- coaches ---------------------------------------------------------------------------------

    def current_coach(self) -> int | None:
        return self._coach_no

    def coach_numbers(self) -> list[int]:
        return list(self._coaches)

    def set_coach(self, coach_no: int) -> None:
        if coach_no not in self._coaches:
            raise ValueError(f"No coach {coach_no} on this train")
        if coach_no == self._coach_no:
            return
        previous_cell = self._focus_cell()
        self._coach_no = coach_no
        self._geometry = None
        self._background = None
        self._hover_seat = None
        same_place = self._seat_in_cell(previous_cell)
        self._focus_seat = same_place if same_place is not None else self._first_seat()
        self.update()
        self._describe_focus()
        self.coachChanged.emit(coach_no)

    def show_next_coach(self) -> None:
        self._step_coach(1)

    def show_previous_coach(self) -> None:
        self._step_coach(-1)

    def _step_coach(self, step: int) -> None:
        numbers = list(self._coaches)
        if self._coach_no is None or not numbers:
            return
        index = numbers.index(self._coach_no) + step
        if 0 <= index < len(numbers):
            self.set_coach(numbers[index])

    # --- selection -----------------------------------------------------------------------------

    def selected_seat_ids(self) -> tuple[int, ...]:
        return tuple(self._selected)

    def set_selection(self, seat_ids: Iterable[int]) -> None:
        """Select exactly these seats; ones that cannot be sold are skipped."""
        wanted = list(
            dict.fromkeys(seat_id for seat_id in seat_ids if self._is_selectable(seat_id))
        )
        if len(wanted) > self._max_selection:
            self.message.emit(self._too_many_text())
            wanted = wanted[: self._max_selection]
        if wanted != self._selected:
            self._selected = wanted
            self.update()
            self.selectionChanged.emit(list(self._selected))

    def clear_selection(self) -> None:
        self.set_selection(())

    def set_max_selection(self, count: int) -> None:
        if count < 1:
            raise ValueError("max_selection must be at least 1")
        self._max_selection = count

    def set_minimum_seat_size(self, size: int) -> None:
        """Never draw seats smaller than `size` pixels: the map asks its layout for the room."""
        self._min_seat_size = size
        self._forget_layout()
        self.updateGeometry()
        self.update()

    def set_read_only(self, read_only: bool) -> None:
        """A map to look at (the conductor's): the cursor moves between seats, none is chosen."""
        self._read_only = read_only
        if read_only:
            self.clear_selection()

    def toggle_seat(self, seat_id: int) -> None:
        if not self._is_selectable(seat_id):
            return
        if seat_id in self._selected:
            self._selected.remove(seat_id)
        elif len(self._selected) >= self._max_selection:
            self.message.emit(self._too_many_text())
            return
        else:
            self._selected.append(seat_id)
        self._update_seat(seat_id)
        self.selectionChanged.emit(list(self._selected))

    def _too_many_text(self) -> str:
        if self._max_selection == 1:
            return self.tr("Only one seat can be chosen here.")
        return self.tr("A party is at most {0} passengers.").format(self._max_selection)

    def _is_selectable(self, seat_id: int) -> bool:
        seat = self._seats.get(seat_id)
        return not self._read_only and seat is not None and seat.state in SELECTABLE

    # --- where things are (also what tests use) ------------------------------------------------

    def _forget_layout(self) -> None:
        """After a resize or new data: every coach must be laid out again."""
        self._layouts.clear()
        self._geometry = None
        self._background = None

    def coach_geometry(self) -> CoachGeometry | None:
        """The current coach laid out in widget coordinates."""
        if self._geometry is None and self._coach_no is not None:
            laid_out = self._layouts.get(self._coach_no)
            if laid_out is None:
                coach = self._coaches[self._coach_no]
                # A quiet coach says so once in its title instead of on every seat.
                hide = {SeatFeature.QUIET} if _is_quiet_coach(coach) else set()
                features = {seat.seat_id: seat.features - hide for seat in coach.seats}
                laid_out = self._layouts[self._coach_no] = (self._layout(coach), features)
            self._geometry, self._drawn_features = laid_out
        return self._geometry

    def seat_rect(self, seat_id: int) -> QRectF | None:
        geometry = self.coach_geometry()
        return None if geometry is None else geometry.seat_rects.get(seat_id)

    def seat_at(self, point: QPointF) -> int | None:
        geometry = self.coach_geometry()
        return None if geometry is None else geometry.seat_at(point)

    def focused_seat_id(self) -> int | None:
        return self._focus_seat

    def _header_height(self) -> float:
        return QFontMetricsF(self._header_font).height() + 8

    def _caption_height(self) -> float:
        return QFontMetricsF(self._header_font).height() + 8

    def _layout(self, coach: CoachInfo) -> CoachGeometry:
        """Fit the largest coach of the train, so the scale stays put while paging coaches."""
        unit_width, unit_height = self._unit_size
        chrome = self._header_height() + self._caption_height()
        room_width = self.width() - 2 * MARGIN
        room_height = self.height() - 2 * MARGIN - chrome
        fit = min(room_width / unit_width, room_height / unit_height)
        seat_size = float(max(self._min_seat_size, min(MAX_SEAT_SIZE, math.floor(fit))))
        spare_height = max(0.0, room_height - unit_height * seat_size)
        top = MARGIN + spare_height / 2 + self._header_height()
        left = MARGIN + max(0.0, (room_width - unit_width * seat_size) / 2)
        overhang = WINDOW_OVERHANG * seat_size  # the window bars stick out above the outline
        return layout_coach(coach, seat_size, QPointF(round(left), round(top + overhang)))

    @staticmethod
    def _largest_coach_size(coaches: Iterable[CoachInfo]) -> tuple[float, float]:
        sizes = [layout_coach(coach, 1.0).bounds.size() for coach in coaches]
        if not sizes:
            return (1.0, 1.0)
        return (max(size.width() for size in sizes), max(size.height() for size in sizes))

    def sizeHint(self) -> QSize:
        return self._size_for(max(DEFAULT_SEAT_SIZE, self._min_seat_size))

    def minimumSizeHint(self) -> QSize:
        return self._size_for(self._min_seat_size)

    def _size_for(self, seat_size: float) -> QSize:
        # With no train yet, a coach of the usual shape with its title and caption lines, so a
        # page laid out before the first seat map (its splitter shared) keeps room for it.
        width, height = self._unit_size if self._seat_map is not None else (20.0, 6.0)
        return QSize(
            math.ceil(width * seat_size + 2 * MARGIN),
            math.ceil(
                height * seat_size + 2 * MARGIN + self._header_height() + self._caption_height()
            ),
        )

    # --- text ----------------------------------------------------------------------------------

    def seat_name(self, seat: SeatInfo) -> str:
        return self.tr("Coach {0}, seat {1}").format(seat.coach_no, seat.label)

    def tooltip_text(self, seat_id: int) -> str:
        seat = self._seats[seat_id]
        details = [self.tr("First") if seat.seat_class is SeatClass.FIRST else self.tr("Standard")]
        names = self._feature_names()
        details += [names[feature] for feature in SeatFeature if feature in seat.features]
        return self.tr("{0} — {1} — {2}").format(
            self.seat_name(seat), ", ".join(details), self._state_text(seat)
        )

    def _feature_names(self) -> dict[SeatFeature, str]:
        return {
            SeatFeature.WINDOW: self.tr("window"),
            SeatFeature.AISLE: self.tr("aisle"),
            SeatFeature.TABLE: self.tr("table"),
            SeatFeature.WHEELCHAIR: self.tr("wheelchair space"),
            SeatFeature.QUIET: self.tr("quiet zone"),
        }

    def _state_text(self, seat: SeatInfo) -> str:
        if seat.state is SeatState.HELD:
            return self._held_text(seat.hold_expires_at)
        text = {
            SeatState.FREE: self.tr("Free"),
            SeatState.HELD_BY_ME: self.tr("Held by you"),
            SeatState.TAKEN: self.tr("Sold"),
            SeatState.NOT_FOR_SALE: self.tr("Not for sale"),
        }[seat.state]
        if seat.seat_id in self._selected:
            text = self.tr("{0}, in your selection").format(text)
        return text

    def _held_text(self, expires_at: datetime | None) -> str:
        if expires_at is None:
            return self.tr("Held by another clerk")
        now = self._clock()
        if (expires_at.tzinfo is None) != (now.tzinfo is None):
            # A naive time is taken to be UTC, the way the services store holds.
            expires_at, now = (
                moment.replace(tzinfo=moment.tzinfo or UTC) for moment in (expires_at, now)
            )
        minutes = math.ceil((expires_at - now).total_seconds() / 60)
        if minutes <= 0:
            return self.tr("Held by another clerk; the hold is ending")
        if minutes == 1:
            return self.tr("Held by another clerk for 1 more minute")
        return self.tr("Held by another clerk for {0} more minutes").format(minutes)

    def _describe_focus(self) -> None:
        if self._focus_seat is not None and self._focus_seat in self._seats:
            self.setAccessibleDescription(self.tooltip_text(self._focus_seat))

    # --- events --------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            seat_id = self.seat_at(QPointF(event.pos()))
            if seat_id is None:
                QToolTip.hideText()
                event.ignore()
            else:
                area = self.seat_rect(seat_id).toAlignedRect()
                QToolTip.showText(event.globalPos(), self.tooltip_text(seat_id), self, area)
            return True
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self._painter = None
            self._header_font = QFont(self.font())
            self._title_font = _bold(self._header_font)
            self._forget_layout()
            self.update()
        super().changeEvent(event)

    def resizeEvent(self, event) -> None:
        self._forget_layout()
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        seat_id = self.seat_at(event.position())
        if seat_id is None:
            return
        self._move_focus(seat_id)
        self.toggle_seat(seat_id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        seat_id = self.seat_at(event.position())
        if seat_id != self._hover_seat:
            old, self._hover_seat = self._hover_seat, seat_id
            self._update_seat(old)
            self._update_seat(seat_id)
            pointing = seat_id is not None and self._is_selectable(seat_id)
            self.setCursor(
                Qt.CursorShape.PointingHandCursor if pointing else Qt.CursorShape.ArrowCursor
            )
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        old, self._hover_seat = self._hover_seat, None
        self._update_seat(old)
        super().leaveEvent(event)

    def focusInEvent(self, event) -> None:
        if self._focus_seat is None:
            self._focus_seat = self._first_seat()
        self._update_seat(self._focus_seat)
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self._update_seat(self._focus_seat)
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        geometry = self.coach_geometry()
        if key in _ARROWS and geometry is not None and self._focus_seat is not None:
            target = geometry.neighbour(self._focus_seat, _ARROWS[key])
            if target is not None:
                self._move_focus(target)
        elif key == Qt.Key.Key_Space and self._focus_seat is not None:
            self.toggle_seat(self._focus_seat)
        elif key == Qt.Key.Key_PageDown or (control and key == Qt.Key.Key_Tab and not shift):
            self.show_next_coach()
        elif key == Qt.Key.Key_PageUp or (
            control and (key == Qt.Key.Key_Backtab or (key == Qt.Key.Key_Tab and shift))
        ):
            self.show_previous_coach()
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_End) and geometry and geometry.seat_ids:
            self._move_focus(geometry.seat_ids[0 if key == Qt.Key.Key_Home else -1])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _move_focus(self, seat_id: int) -> None:
        old, self._focus_seat = self._focus_seat, seat_id
        self._update_seat(old)
        self._update_seat(seat_id)
        self._describe_focus()

    def _update_seat(self, seat_id: int | None) -> None:
        rect = None if seat_id is None else self.seat_rect(seat_id)
        if rect is not None:
            grow = rect.width() * 0.15
            self.update(rect.adjusted(-grow, -grow, grow, grow).toAlignedRect())

    # --- seats by position -----------------------------------------------------------------------

    def _seat_coach(self, seat_id: int | None) -> int | None:
        seat = self._seats.get(seat_id) if seat_id is not None else None
        return None if seat is None else seat.coach_no

    def _first_seat(self) -> int | None:
        geometry = self.coach_geometry()
        return geometry.seat_ids[0] if geometry and geometry.seat_ids else None

    def _focus_cell(self) -> tuple[int, int] | None:
        seat = self._seats.get(self._focus_seat) if self._focus_seat is not None else None
        return None if seat is None else (seat.grid_row, seat.grid_column)

    def _seat_in_cell(self, cell: tuple[int, int] | None) -> int | None:
        if cell is None or self._coach_no is None:
            return None
        for seat in self._coaches[self._coach_no].seats:
            if (seat.grid_row, seat.grid_column) == cell:
                return seat.seat_id
        return None

    # --- painting ------------------------------------------------------------------------------

    def _seat_painter(self, seat_size: float) -> SeatPainter:
        ratio = self.devicePixelRatioF()
        painter = self._painter
        if painter is None or (painter.seat_size, painter.device_pixel_ratio) != (seat_size, ratio):
            colours = seat_colours(self.palette())
            self._painter = SeatPainter(colours, seat_size, self.font(), ratio)
        return self._painter

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        geometry = self.coach_geometry()
        if geometry is None:
            palette = self.palette()
            painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.Window))
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No train chosen"))
            return
        seats = self._seat_painter(geometry.seat_size)
        background = self._background
        if background is None or background.devicePixelRatio() != self.devicePixelRatioF():
            self._background = self._render_background(geometry, seats)
        painter.drawPixmap(0, 0, self._background)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dirty = QRectF(event.rect())
        selected = self._selected
        for seat_id, rect in geometry.seat_rects.items():
            if not rect.intersects(dirty):
                continue
            seat = self._seats[seat_id]
            look = look_of(seat.state, seat_id in selected)
            backrest = geometry.backrest_on_left[seat_id]
            features = self._drawn_features[seat_id]
            seats.paint_seat(painter, rect, look, seat.label, features, backrest)
        if self._hover_seat in geometry.seat_rects and self._is_selectable(self._hover_seat):
            seats.paint_hover(painter, geometry.seat_rects[self._hover_seat])
        if self.hasFocus() and self._focus_seat in geometry.seat_rects:
            seats.paint_focus(painter, geometry.seat_rects[self._focus_seat])

    def _render_background(self, geometry: CoachGeometry, seats: SeatPainter) -> QPixmap:
        """Everything but the seats; redrawn only when the coach, size or palette changes."""
        ratio = self.devicePixelRatioF()
        background = QPixmap(self.size() * ratio)
        background.setDevicePixelRatio(ratio)
        background.fill(self.palette().color(QPalette.ColorRole.Window))
        painter = QPainter(background)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_header(painter, geometry, seats)
        self._paint_coach_body(painter, geometry, seats)
        for table in geometry.tables:
            seats.paint_table(painter, table)
        for window in geometry.windows:
            seats.paint_window(painter, window)
        painter.end()
        return background

    def _paint_header(self, painter: QPainter, geometry: CoachGeometry, seats: SeatPainter) -> None:
        coach = self._coaches[geometry.coach_no]
        colours = seats.colours
        height = self._header_height()
        top = geometry.bounds.top() - height
        line = QRectF(geometry.outline.left(), top, geometry.outline.width(), height - 8)
        painter.setFont(self._title_font)
        painter.setPen(colours.text)
        painter.drawText(
            line,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._coach_title(coach),
        )
        painter.setFont(self._header_font)
        painter.setPen(colours.muted_text)
        free = self.tr("{0} of {1} seats free").format(coach.free_count, len(coach.seats))
        painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, free)

    def _coach_title(self, coach: CoachInfo) -> str:
        classes = coach.classes
        if classes == {SeatClass.FIRST}:
            kind = self.tr("First class")
        elif classes == {SeatClass.STANDARD}:
            kind = self.tr("Standard class")
        else:
            kind = self.tr("First and standard class")
        title = self.tr("Coach {0} · {1}").format(coach.coach_no, kind)
        if _is_quiet_coach(coach):
            title = self.tr("{0} · Quiet coach").format(title)
        return title

    def _paint_coach_body(
        self, painter: QPainter, geometry: CoachGeometry, seats: SeatPainter
    ) -> None:
        colours = seats.colours
        radius = 0.45 * geometry.seat_size
        wall = QPen(colours.coach_wall, max(1.5, 0.06 * geometry.seat_size))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.coach_floor)
        painter.drawRoundedRect(geometry.outline, radius, radius)
        if geometry.first_class:
            body = QPainterPath()
            body.addRoundedRect(geometry.outline, radius, radius)
            painter.save()
            painter.setClipPath(body)
            for band in geometry.first_class:
                painter.fillRect(band, colours.first_class_floor)
            painter.restore()
        painter.setPen(wall)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(geometry.outline, radius, radius)
        for band in geometry.first_class:
            self._paint_first_class_caption(painter, band, geometry, seats)

    def _paint_first_class_caption(
        self, painter: QPainter, band: QRectF, geometry: CoachGeometry, seats: SeatPainter
    ) -> None:
        """A gold bracket under the first-class part of the coach, labelled "1st class"."""
        colours = seats.colours
        inset = 0.45 * geometry.seat_size
        left = max(band.left(), geometry.outline.left() + inset)
        right = min(band.right(), geometry.outline.right() - inset)
        y = geometry.bounds.bottom() + 3
        painter.setPen(seats.caption_pen)
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        painter.setFont(self._title_font)
        painter.setPen(colours.first_class_badge)
        caption = QRectF(left, y + 1, right - left, self._caption_height() - 4)
        painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, self.tr("1st class"))
