"""Layout checks for the UI tests: where every widget sits, so a test can prove that news
appearing (a message, a quote, a picked seat) moves, resizes and clips nothing."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget


def settle() -> None:
    """Let posted layout requests run, as the event loop would between two clicks."""
    for _ in range(3):
        QApplication.processEvents()


def placements(root: QWidget) -> dict[QWidget, tuple[int, ...]]:
    """Every visible widget of `root`'s window under `root`, in `root` coordinates.

    A label's width follows its text ("1 seat selected" is shorter than "No seats selected"),
    so for labels only the line they sit on (top and height) counts.
    """
    settle()
    window = root.window()
    found: dict[QWidget, tuple[int, ...]] = {}
    for widget in root.findChildren(QWidget):
        if QWidget.window(widget) is not window or not widget.isVisible():
            continue
        corner = widget.mapTo(root, QPoint(0, 0))
        if isinstance(widget, QLabel):
            found[widget] = (corner.y(), widget.height())
        else:
            found[widget] = (corner.x(), corner.y(), widget.width(), widget.height())
    return found


def _name(widget: QWidget) -> str:
    shown = widget.text() if isinstance(widget, QLabel | QAbstractButton) else ""
    return f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r} {shown!r}"


def moved(before: dict[QWidget, tuple[int, ...]], after: dict[QWidget, tuple[int, ...]]):
    """The widgets that moved or changed size between two `placements`, with both places."""
    return [
        f"{_name(widget)}: {before[widget]} -> {after[widget]}"
        for widget in before
        if widget in after and before[widget] != after[widget]
    ]


def clipped_by(widget: QWidget) -> QWidget | None:
    """The first ancestor that cuts part of `widget` off (a scroll viewport, a splitter), if any."""
    for ancestor in _ancestors(widget):
        corner = widget.mapTo(ancestor, QPoint(0, 0))
        if not ancestor.rect().contains(QRect(corner, widget.size())):
            return ancestor
    return None


def _ancestors(widget: QWidget):
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        if parent.isWindow():
            return
        parent = parent.parentWidget()


def shows_all(label: QLabel) -> bool:
    """Whether the label is tall enough for every line of its text."""
    settle()
    needed = label.heightForWidth(label.width()) if label.wordWrap() else -1
    return label.height() >= (needed if needed > 0 else label.sizeHint().height())
