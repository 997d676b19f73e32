"""Which characters of a name the installed fonts cannot draw: on paper they would be boxes.

Qt falls back from the ticket's fonts to any installed font that has a character; a character
no font has is drawn as glyph 0, the empty box. The sale asks before it sells a ticket whose
name would print like that, while the clerk can still type it as on the passenger's ID.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QFont, QTextLayout

from ticket_office.ui.shared.tickets.ticket_painter import FONT_FAMILIES


def unprintable(text: str) -> str:
    """The distinct characters of `text`, in order, that no installed font can draw."""
    return "".join(
        ch for ch in dict.fromkeys(text) if ch.isprintable() and not ch.isspace() and _missing(ch)
    )  # a joiner has no glyph of its own: it shapes its neighbours


@lru_cache(maxsize=4096)
def _missing(character: str) -> bool:
    layout = QTextLayout(character, _name_font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    return any(0 in run.glyphIndexes() for run in layout.glyphRuns())


@lru_cache(maxsize=1)
def _name_font() -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)  # the ticket's own, as the passenger's name is painted
    font.setBold(True)
    font.setPixelSize(40)
    return font
