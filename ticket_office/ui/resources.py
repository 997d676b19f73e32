"""The app's own files (icons, theme) under `resources/`, found the same way in a source tree and
in a PyInstaller bundle (which unpacks data next to `sys._MEIPASS`).

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

_ICON_SIZES = (16, 20, 24, 32, 48)


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def read_text(*parts: str) -> str:
    try:
        return resource_path(*parts).read_text(encoding="utf-8")
    except OSError:
        return ""  # a missing theme or icon must never stop the desk from opening


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "app.svg")))


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The named icon tinted for `palette` (the application's by default)."""
    palette = palette or QGuiApplication.palette()
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
    return _tinted(name, normal, disabled, _pixel_ratio())


def _pixel_ratio() -> float:
    app = QGuiApplication.instance()
    return app.devicePixelRatio() if app is not None else 1.0


@cache
def _tinted(name: str, colour: str, disabled_colour: str, ratio: float) -> QIcon:
    source = read_text("icons", f"{name}.svg")
    result = QIcon()
    if not source:
        return result
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
