"""The seat map's colours, one set for light and one for dark palettes.

Each state also has its own shape or pattern (see `seat_painter`), so the colours only have to
be calm and distinct, not the sole carrier of meaning. Seat labels on sellable seats contrast at
least 4.5:1 with their fill (WCAG AA for small text) in both sets; sold and not-for-sale labels
are deliberately quieter but stay above 4.5:1 on light and 4:1 on dark.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette


@dataclass(frozen=True, slots=True)
class StateColours:
    fill: QColor | None
    border: QColor
    text: QColor
    mark: QColor  # the hatch, cross, tick or slash that repeats the state as a shape


@dataclass(frozen=True, slots=True)
class SeatColours:
    dark: bool
    free: StateColours
    selected: StateColours
    held_by_me: StateColours
    held: StateColours
    taken: StateColours
    not_for_sale: StateColours
    coach_floor: QColor
    coach_wall: QColor
    first_class_floor: QColor
    first_class_badge: QColor
    first_class_badge_text: QColor
    table: QColor
    table_edge: QColor
    window_glass: QColor
    focus: QColor
    hover: QColor
    text: QColor
    muted_text: QColor


def _c(hex_code: str) -> QColor:
    return QColor(hex_code)


def _light(palette: QPalette) -> SeatColours:
    return SeatColours(
        dark=False,
        free=StateColours(_c("#e5f3ea"), _c("#4f9a6c"), _c("#1d4a31"), _c("#4f9a6c")),
        selected=StateColours(_c("#2563c9"), _c("#17469a"), _c("#ffffff"), _c("#ffffff")),
        held_by_me=StateColours(_c("#dce8fb"), _c("#2563c9"), _c("#173d7a"), _c("#2563c9")),
        held=StateColours(_c("#fbeccb"), _c("#c08a1f"), _c("#5e410c"), _c("#e0b869")),
        taken=StateColours(_c("#d7dbe0"), _c("#c0c6cd"), _c("#535d69"), _c("#a3abb5")),
        not_for_sale=StateColours(None, _c("#a3abb5"), _c("#6b7582"), _c("#b5bcc4")),
        coach_floor=palette.color(QPalette.ColorRole.Base),
        coach_wall=_c("#9aa5b1"),
        first_class_floor=_c("#fbf3dc"),
        first_class_badge=_c("#85600a"),
        first_class_badge_text=_c("#ffffff"),
        table=_c("#ddd2bf"),
        table_edge=_c("#b9a988"),
        window_glass=_c("#7fb8df"),
        focus=_c("#e07b00"),
        hover=_c("#17469a"),
        text=palette.color(QPalette.ColorRole.WindowText),
        muted_text=_c("#5f6b78"),
    )


def _dark(palette: QPalette) -> SeatColours:
    return SeatColours(
        dark=True,
        free=StateColours(_c("#1d3a2a"), _c("#5dbb85"), _c("#d3f0de"), _c("#5dbb85")),
        selected=StateColours(_c("#2563eb"), _c("#1d4fc4"), _c("#ffffff"), _c("#ffffff")),
        held_by_me=StateColours(_c("#1c2d4b"), _c("#6aa6ff"), _c("#dbe8ff"), _c("#6aa6ff")),
        held=StateColours(_c("#3b301b"), _c("#d3a343"), _c("#f6e2b5"), _c("#7d6530")),
        taken=StateColours(_c("#3a3f46"), _c("#474d55"), _c("#98a1ab"), _c("#5e6670")),
        not_for_sale=StateColours(None, _c("#5f6772"), _c("#7f8893"), _c("#59616b")),
        coach_floor=palette.color(QPalette.ColorRole.Base),
        coach_wall=_c("#66717d"),
        first_class_floor=_c("#352f22"),
        first_class_badge=_c("#d4ab3c"),
        first_class_badge_text=_c("#1b1b1b"),
        table=_c("#54493a"),
        table_edge=_c("#75674f"),
        window_glass=_c("#4a89b5"),
        focus=_c("#ffa53a"),
        hover=_c("#a6c8ff"),
        text=palette.color(QPalette.ColorRole.WindowText),
        muted_text=_c("#a3adb8"),
    )


def seat_colours(palette: QPalette) -> SeatColours:
    """Pick the set that reads on this palette's window colour."""
    dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
    return _dark(palette) if dark else _light(palette)
