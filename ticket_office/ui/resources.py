"""The app's own files (icons, theme) under `resources/`, found the same way in a checkout (the
top-level folder), an installed wheel (which carries it as `ticket_office/resources`, see
setup.py) and a PyInstaller bundle (which unpacks data next to `sys._MEIPASS`).

A missing file is an incomplete installation: reading it raises `MissingResource` naming the
file, and the app's start-up reads the theme and the app icon, so it fails there at once.

Icons are SVG drawn in `currentColor`; `icon()` paints them in the palette's text colour, so
they read on light and dark themes alike, and renders them at the screen's pixel ratio.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ticket_office.domain.errors import TicketOfficeError

_ICON_SIZES = (16, 20, 24, 32, 48)


class MissingResource(TicketOfficeError):
    """A file the app ships with is not where it should be: the installation is incomplete."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"The app's file {path} is missing; reinstall Ticket Office.")
        self.path = path


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    package = Path(__file__).resolve().parents[1]
    installed = package / "resources"
    if installed.is_dir():
        return installed
    return package.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def _existing(*parts: str) -> Path:
    path = resource_path(*parts)
    if not path.is_file():
        raise MissingResource(path)
    return path


def read_text(*parts: str) -> str:
    return _read(_existing(*parts))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise MissingResource(path) from error


def app_icon() -> QIcon:
    return QIcon(str(_existing("icons", "app.svg")))


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The named icon tinted for `palette` (the application's by default)."""
    palette = palette or QGuiApplication.palette()
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
    return _tinted(_existing("icons", f"{name}.svg"), normal, disabled, _pixel_ratio())


def _pixel_ratio() -> float:
    app = QGuiApplication.instance()
    return app.devicePixelRatio() if app is not None else 1.0


@cache
def _tinted(path: Path, colour: str, disabled_colour: str, ratio: float) -> QIcon:
    source = _read(path)
    result = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled_colour)):
        renderer = QSvgRenderer(QByteArray(source.replace("currentColor", tint).encode()))
        for size in _ICON_SIZES:
            result.addPixmap(_render(renderer, size, ratio), mode)
    return result


def _render(renderer: QSvgRenderer, size: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def style_sheet() -> str:
    return read_text("theme.qss")
