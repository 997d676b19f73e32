"""What the clerk glances at: the status bar (who, where, which server, live or not, busy) and
the inline message line that pages and dialogs use for short, non-blocking news.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from html import escape

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QWidget

from ticket_office.domain.errors import TicketOfficeError
from ticket_office.services.results import OperatorContext
from ticket_office.ui.live_updates import ConnectionState

_log = logging.getLogger(__name__)

BUSY_DELAY_MS = 250  # most calls end sooner; showing busy for them would only flicker
MESSAGE_MS = 8_000


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


# Text colours per tone, for light and dark windows (contrast checked against both palettes'
# Window colour). Kept here, not in the QSS, because the choice depends on the palette.
_TONES = {
    Tone.SUCCESS: ("#1e6b3a", "#7fd69e"),
    Tone.WARNING: ("#8a5a00", "#f3c15f"),
    Tone.ERROR: ("#b3261e", "#ff8a80"),
}


def tone_colour(tone: Tone, palette: QPalette) -> QColor:
    if tone is Tone.INFO:
        return palette.color(QPalette.ColorRole.WindowText)
    light, dark = _TONES[tone]
    is_dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return QColor(dark if is_dark else light)


def error_text(error: BaseException) -> str:
    """What the clerk reads about a failure: the error's own text when it was written for
    them, otherwise one calm line (the traceback goes to the log, never on screen)."""
    if isinstance(error, TicketOfficeError):
        return str(error)
    _log.error("Unexpected error", exc_info=(type(error), error, error.__traceback__))
    return QCoreApplication.translate(
        "Errors",
        "Something went wrong ({0}); nothing more was done. The details are in the "
        "log; please tell a supervisor.",
    ).format(type(error).__name__)


class InlineMessage(QLabel):
    """One line of news in a page or dialog, coloured by tone; empty means hidden.

    The colour goes into rich text rather than the palette, so a theme change only needs the
    text set again (see `changeEvent`). Where news must not push the widgets around it, the
    line can keep its room while empty (`reserve_lines`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._tone = Tone.INFO
        self._plain = ""
        self._reserved_lines = 0
        self.hide()

    def reserve_lines(self, lines: int) -> None:
        """Keep room for `lines` lines even while there is no news, so news coming and going
        moves nothing; a longer text still gets every line it needs (it is never cut)."""
        self._reserved_lines = lines
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(lines > 0)
        self.setSizePolicy(policy)
        self._apply_reserve()

    def _apply_reserve(self) -> None:
        margins = self.contentsMargins()
        height = self._reserved_lines * self.fontMetrics().lineSpacing()
        self.setMinimumHeight(height + margins.top() + margins.bottom() if height else 0)

    def message(self) -> str:
        return self._plain

    def show_message(self, text: str, tone: Tone = Tone.INFO) -> None:
        self._tone, self._plain = tone, text
        self._render()
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._plain:
            self._render()
        elif event.type() == QEvent.Type.FontChange and self._reserved_lines:
            self._apply_reserve()

    def _render(self) -> None:
        colour = tone_colour(self._tone, self.palette()).name()
        weight = 600 if self._tone in (Tone.ERROR, Tone.WARNING) else 400
        self.setText(
            f"<span style='color:{colour}; font-weight:{weight}'>{escape(self._plain)}</span>"
        )
        self.setAccessibleDescription(self._plain)


class StatusBar(QStatusBar):
    """Operator, station, server and live-update state, plus a delayed busy indicator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName(self.tr("Working"))
        self.busy.hide()
        self.operator_label = QLabel(self)
        self.station_label = QLabel(self)
        self.server_label = QLabel(self)
        self.connection_label = QLabel(self)
        self.connection_label.setTextFormat(Qt.TextFormat.RichText)
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for widget in (
            self.busy,
            self.operator_label,
            self.station_label,
            self.server_label,
            self.connection_label,
        ):
            row.addWidget(widget)
        self.addPermanentWidget(box)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.timeout.connect(self.busy.show)
        self._connection = ConnectionState.OFFLINE
        self.set_connection(ConnectionState.CONNECTING)

    def set_operator(self, operator: OperatorContext) -> None:
        self.operator_label.setText(
            self.tr("{0} · {1}").format(operator.display_name, self.tr(operator.role.title))
        )
        station = (
            f"{operator.station_name} ({operator.station_code})"
            if operator.station_code
            else self.tr("no home station")
        )
        self.station_label.setText(station)

    def set_server(self, description: str, embedded: bool) -> None:
        shown = self.tr("Embedded server") if embedded else description
        self.server_label.setText(shown)
        self.server_label.setToolTip(description)

    def set_connection(self, state: str | ConnectionState) -> None:
        self._connection = ConnectionState(state)
        text, tone = {
            ConnectionState.CONNECTING: (self.tr("Connecting…"), Tone.WARNING),
            ConnectionState.CONNECTED: (self.tr("Connected"), Tone.SUCCESS),
            ConnectionState.RECONNECTING: (self.tr("Reconnecting…"), Tone.WARNING),
            ConnectionState.OFFLINE: (self.tr("Offline"), Tone.ERROR),
        }[self._connection]
        colour = tone_colour(tone, self.palette()).name()
        self.connection_label.setText(f"<span style='color:{colour}'>●</span> {text}")
        self.connection_label.setToolTip(
            {
                ConnectionState.CONNECTING: self.tr("Starting live seat updates"),
                ConnectionState.CONNECTED: self.tr(
                    "Live: seat maps and results update by themselves"
                ),
                ConnectionState.RECONNECTING: self.tr(
                    "The live update connection was lost; trying again. Press F5 to refresh."
                ),
                ConnectionState.OFFLINE: self.tr(
                    "No live updates: the server cannot be reached. Press F5 to refresh."
                ),
            }[self._connection]
        )

    @property
    def connection(self) -> ConnectionState:
        return self._connection

    def set_busy(self, busy: bool) -> None:
        if busy:
            if not self.busy.isVisible() and not self._busy_timer.isActive():
                self._busy_timer.start(BUSY_DELAY_MS)
        else:
            self._busy_timer.stop()
            self.busy.hide()

    def show_message(self, text: str, tone: Tone = Tone.INFO, timeout: int = MESSAGE_MS) -> None:
        self.setStyleSheet(
            ""
            if tone is Tone.INFO
            else f"QStatusBar {{ color: {tone_colour(tone, self.palette()).name()}; }}"
        )
        self.showMessage(text, timeout)
