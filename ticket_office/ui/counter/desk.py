"""The counter desk, as data: the Sell and Bookings pages, their actions and their keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from ticket_office.domain.roles import Desk, Permission
from ticket_office.ui.counter.bookings import BookingsView
from ticket_office.ui.counter.bookings.keys import BOOKING_KEYS
from ticket_office.ui.counter.keys import COUNTER, COUNTER_KEYS
from ticket_office.ui.counter.sale import SalePage
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.registry import ActionSpec, DeskSpec, PageSpec
from ticket_office.ui.shared.keys import SHARED_KEYS


def _sale_page(desk: DeskContext, parent: QWidget) -> SalePage:
    return SalePage(desk, parent=parent)


def _bookings_page(desk: DeskContext, parent: QWidget) -> BookingsView:
    return BookingsView(desk, parent)


def _release_holds(desk: DeskContext, then: Callable[[], None]) -> None:
    """Every seat this sign-in holds goes back now (they would lapse by themselves anyway)."""
    if not desk.operator.may(Permission.SELL):
        then()
        return
    desk.tasks.run(
        desk.counter.release_holds, done=lambda _count: then(), failed=lambda _error: then()
    )


COUNTER_DESK = DeskSpec(
    desk=Desk.COUNTER,
    pages=(
        PageSpec(
            "sell",
            "Sell",
            "sell",
            Permission.SELL,
            _sale_page,
            COUNTER_KEYS.find("page_sell"),
        ),
        PageSpec(
            "bookings",
            "Bookings",
            "bookings",
            Permission.VIEW_BOOKINGS,
            _bookings_page,
            COUNTER_KEYS.find("page_bookings"),
        ),
    ),
    actions=(
        ActionSpec(
            COUNTER_KEYS.find("new_search"),
            "&New search",
            "sell",
            SalePage.new_search,
            "search",
        ),
        ActionSpec(
            COUNTER_KEYS.find("find_booking"),
            "&Find booking…",
            "bookings",
            BookingsView.focus_search,
            "find",
        ),
    ),
    # the desk-wide keys first, then each step of a sale in order, then Bookings
    shortcuts=(
        *(key for key in COUNTER_KEYS if key.context == COUNTER),
        *SHARED_KEYS,
        *(key for key in COUNTER_KEYS if key.context != COUNTER),
        *BOOKING_KEYS,
    ),
    on_leave=_release_holds,
)
