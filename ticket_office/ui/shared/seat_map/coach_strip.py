"""The train at a glance: one box per coach with its number, class and free seats.

Clicking a box (or Left/Right when the strip has focus) emits `coachSelected`; the owner then
shows that coach in the seat map and calls `set_current_coach` back. A small badge counts the
clerk's selected seats in each coach, so a party spread over two coaches is easy to spot.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from ticket_office.domain.fares import SeatClass
from ticket_office.services.results import CoachInfo, SeatMap
from ticket_office.ui.shared.seat_map.colours import SeatColours, seat_colours

BOX_MIN_WIDTH = 46.0
BOX_PADDING = 10.0
GAP = 8.0
MARGIN = 4.0
TOP_MARGIN = 9.0  # room for the selection badge over a box's corner


class CoachStrip(QWidget):
    coachSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Coaches"))
        self._coaches: list[CoachInfo] = []
        self._current: int | None = None
        self._selected_by_coach: dict[int, int] = {}
        self._coach_of_seat: dict[int, int] = {}
        self._selected: tuple[int, ...] = ()
        self._fonts()

    def _fonts(self) -> None:
        self._number_font = QFont(self.font())
        self._number_font.setBold(True)
        self._small_font = QFont(self.font())
        self._small_font.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.9))

    # --- data ----------------------------------------------------------------------------------

    def set_seat_map(self, seat_map: SeatMap) -> None:
        self._coaches = list(seat_map.coaches)
        self._coach_of_seat = {
            seat.seat_id: coach.coach_no for coach in seat_map.coaches for seat in coach.seats
        }
        if self._current not in self.coach_numbers():
            self._current = self._coaches[0].coach_no if self._coaches else None
        self._count_selected()
        self.updateGeometry()
        self.update()

    def coach_numbers(self) -> list[int]:
        return [coach.coach_no for coach in self._coaches]

    def current_coach(self) -> int | None:
        return self._current

    def set_current_coach(self, coach_no: int) -> None:
        if coach_no != self._current and coach_no in self.coach_numbers():
            self._current = coach_no
            self.update()

    def set_selected_seat_ids(self, seat_ids: Iterable[int]) -> None:
        self._selected = tuple(seat_ids)
        self._count_selected()
        self.update()

    def _count_selected(self) -> None:
        counts: dict[int, int] = {}
        for seat_id in self._selected:
            coach_no = self._coach_of_seat.get(seat_id)
            if coach_no is not None:
                counts[coach_no] = counts.get(coach_no, 0) + 1
        self._selected_by_coach = counts

    # --- text ----------------------------------------------------------------------------------

    def class_marker(self, coach: CoachInfo) -> str:
        if coach.classes == {SeatClass.FIRST}:
            return self.tr("1st")
        if coach.classes == {SeatClass.STANDARD}:
            return self.tr("Std")
        return self.tr("1st+Std")

    def free_text(self, coach: CoachInfo) -> str:
        if coach.free_count == 0:
            return self.tr("full")
        return self.tr("{0} free").format(coach.free_count)

    def caption(self, coach_no: int) -> str:
        """One line per coach, e.g. "3 · 1st · 12 free"."""
        coach = self._coach(coach_no)
        return self.tr("{0} · {1} · {2}").format(
            coach.coach_no, self.class_marker(coach), self.free_text(coach)
        )

    def _tooltip(self, coach: CoachInfo) -> str:
        text = self.tr("Coach {0} — {1} of {2} seats free").format(
            coach.coach_no, coach.free_count, len(coach.seats)
        )
        chosen = self._selected_by_coach.get(coach.coach_no, 0)
        if chosen:
            text += "\n" + self.tr("{0} selected here").format(chosen)
        return text

    def _coach(self, coach_no: int) -> CoachInfo:
        for coach in self._coaches:
            if coach.coach_no == coach_no:
                return coach
        raise KeyError(coach_no)

    # --- geometry ------------------------------------------------------------------------------

    def _natural_box_width(self) -> float:
        number = QFontMetricsF(self._number_font)
        small = QFontMetricsF(self._small_font)
        widest = BOX_MIN_WIDTH
        for coach in self._coaches:
            top = number.horizontalAdvance(f"{coach.coach_no}  ") + small.horizontalAdvance(
                self.class_marker(coach)
            )
            bottom = small.horizontalAdvance(self.free_text(coach))
            widest = max(widest, top + 2 * BOX_PADDING, bottom + 2 * BOX_PADDING)
        return widest

    def _box_height(self) -> float:
        return (
            QFontMetricsF(self._number_font).height()
            + QFontMetricsF(self._small_font).height()
            + 14
        )

    def box_rect(self, coach_no: int) -> QRectF:
        count = len(self._coaches)
        natural = self._natural_box_width()
        room = self.width() - 2 * MARGIN - GAP * (count - 1)
        width = max(BOX_MIN_WIDTH * 0.8, min(natural, room / max(1, count)))
        index = self.coach_numbers().index(coach_no)
        top = TOP_MARGIN + max(0.0, (self.height() - self._box_height() - TOP_MARGIN - MARGIN) / 2)
        return QRectF(MARGIN + index * (width + GAP), top, width, self._box_height())

    def coach_at(self, point: QPointF) -> int | None:
        for coach_no in self.coach_numbers():
            if self.box_rect(coach_no).contains(point):
                return coach_no
        return None

    def sizeHint(self) -> QSize:
        count = max(1, len(self._coaches))
        width = count * self._natural_box_width() + (count - 1) * GAP + 2 * MARGIN
        return QSize(int(width) + 1, self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(int(BOX_MIN_WIDTH * 2), self._height())

    def _height(self) -> int:
        return int(self._box_height() + TOP_MARGIN + MARGIN) + 1

    # --- events --------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        coach_no = self.coach_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and coach_no is not None:
            self._choose(coach_no)
        else:
            super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        numbers = self.coach_numbers()
        if not numbers or self._current is None:
            super().keyPressEvent(event)
            return
        index = numbers.index(self._current)
        steps = {
            Qt.Key.Key_Left: index - 1,
            Qt.Key.Key_Right: index + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: len(numbers) - 1,
        }
        target = steps.get(Qt.Key(event.key()))
        if target is None:
            super().keyPressEvent(event)
            return
        if 0 <= target < len(numbers):
            self._choose(numbers[target])
        event.accept()

    def _choose(self, coach_no: int) -> None:
        self.set_current_coach(coach_no)
        self.coachSelected.emit(coach_no)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            coach_no = self.coach_at(QPointF(event.pos()))
            if coach_no is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self._tooltip(self._coach(coach_no)), self)
            return True
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fonts()
            self.updateGeometry()
        super().changeEvent(event)

    def focusInEvent(self, event) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self.update()
        super().focusOutEvent(event)

    # --- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colours = seat_colours(self.palette())
        for coach in self._coaches:
            box = self.box_rect(coach.coach_no)
            current = coach.coach_no == self._current
            if current:
                painter.setPen(QPen(colours.held_by_me.border, 2))
                painter.setBrush(colours.held_by_me.fill)
            else:
                painter.setPen(QPen(colours.coach_wall, 1))
                painter.setBrush(colours.coach_floor)
            painter.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 7, 7)
            if SeatClass.FIRST in coach.classes:
                band = QRectF(box.left() + 6, box.top() + 3, box.width() - 12, 3)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colours.first_class_badge)
                painter.drawRoundedRect(band, 1.5, 1.5)
            self._paint_box_text(painter, box, coach, colours)
            chosen = self._selected_by_coach.get(coach.coach_no, 0)
            if chosen:
                self._paint_badge(painter, box, chosen, colours)
            if current and self.hasFocus():
                painter.setPen(QPen(colours.focus, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(box.adjusted(-2.5, -2.5, 2.5, 2.5), 9, 9)
        if not self._coaches:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No train chosen"))

    def _paint_box_text(
        self, painter: QPainter, box: QRectF, coach: CoachInfo, colours: SeatColours
    ) -> None:
        inner = box.adjusted(BOX_PADDING / 2, 6, -BOX_PADDING / 2, -4)
        top = QRectF(inner.left(), inner.top(), inner.width(), inner.height() / 2)
        bottom = QRectF(inner.left(), inner.center().y(), inner.width(), inner.height() / 2)
        centre = Qt.AlignmentFlag.AlignCenter
        number = str(coach.coach_no)
        marker = self.class_marker(coach)
        number_width = QFontMetricsF(self._number_font).horizontalAdvance(number + " ")
        small = QFontMetricsF(self._small_font)
        marker_width = small.horizontalAdvance(marker)
        start = top.center().x() - (number_width + marker_width) / 2
        painter.setPen(colours.text)
        painter.setFont(self._number_font)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(start, top.top(), number_width, top.height()), left, number)
        painter.setFont(self._small_font)
        first = SeatClass.FIRST in coach.classes
        painter.setPen(colours.first_class_badge if first else colours.muted_text)
        marker_box = QRectF(start + number_width, top.top(), marker_width + 2, top.height())
        painter.drawText(marker_box, left, marker)
        painter.setPen(colours.muted_text if coach.free_count else colours.taken.text)
        free = small.elidedText(self.free_text(coach), Qt.TextElideMode.ElideRight, bottom.width())
        painter.drawText(bottom, centre, free)

    def _paint_badge(
        self, painter: QPainter, box: QRectF, count: int, colours: SeatColours
    ) -> None:
        size = QFontMetricsF(self._small_font).height() + 2
        badge = QRectF(box.right() - size * 0.75, box.top() - size * 0.35, size, size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colours.selected.fill)
        painter.drawEllipse(badge)
        painter.setPen(colours.selected.text)
        painter.setFont(self._small_font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(count))
