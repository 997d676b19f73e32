"""A QR code painted as crisp rectangles, each module a whole number of device pixels.

Thermal printers print at 203 dpi, so a module of 0.5 mm is 4 printer dots exactly; a module
that fell between dots would print as 3 or 5 dots at random and scan badly. The symbol is
painted from segno's module matrix with antialiasing off, one rectangle per run of dark
modules in a row (fewer drawing calls, smaller PDFs).
"""

from __future__ import annotations

import math

import segno
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter

QUIET_ZONE_MODULES = 4  # what the QR standard asks for around the symbol
ERROR_CORRECTION = "m"  # survives 15% damage: smudges, a fold, a worn print head


def qr_matrix(text: str) -> tuple[bytearray, ...]:
    """The symbol's dark (1) and light (0) modules, row by row, without the quiet zone."""
    return segno.make(text, error=ERROR_CORRECTION, micro=False).matrix


def module_pixels(module_mm: float, pixels_per_mm: float, minimum: int = 2) -> int:
    """The module size in whole device pixels, as close to `module_mm` as the device allows."""
    return max(minimum, round(module_mm * pixels_per_mm))


def symbol_pixels(matrix: tuple[bytearray, ...], module: int) -> int:
    """The width (and height) of the symbol with its quiet zone, in device pixels."""
    return (len(matrix) + 2 * QUIET_ZONE_MODULES) * module


def paint_qr(
    painter: QPainter,
    matrix: tuple[bytearray, ...],
    left: float,
    top: float,
    module: int,
    colour: QColor | None = None,
) -> QRect:
    """Paint the symbol with its quiet zone's top-left corner at (left, top), snapped to whole
    pixels; return the whole area it occupies (quiet zone included)."""
    x0 = math.floor(left) + QUIET_ZONE_MODULES * module
    y0 = math.floor(top) + QUIET_ZONE_MODULES * module
    ink = colour or QColor(0, 0, 0)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for row_index, row in enumerate(matrix):
        y = y0 + row_index * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            painter.fillRect(QRect(x0 + start * module, y, (column - start) * module, module), ink)
    painter.restore()
    size = symbol_pixels(matrix, module)
    return QRect(math.floor(left), math.floor(top), size, size)
