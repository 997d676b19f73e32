"""The page tickets are printed on: the ticket's own on a roll or with no printer, A4 on a sheet
printer that names no paper of its own, whatever the desk's locale."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize

from ticket_office.ui.shared.tickets.output import PAGE_WIDTH_MM
from ticket_office.ui.shared.tickets.printing import new_ticket_printer, page_layout_for

SIZE = QPageSize.PageSizeId
A4, LETTER, A3 = QPageSize(SIZE.A4), QPageSize(SIZE.Letter), QPageSize(SIZE.A3)
ROLL = QPageSize(QSizeF(80, 297), QPageSize.Unit.Millimeter, "80mm x 297mm")
INDEX_CARD = QPageSize(QSizeF(3, 5), QPageSize.Unit.Inch, "Index card 3x5")  # narrow, short


@pytest.fixture
def us_desk(qapp):
    """A desk whose system is set up in US English, as many are in Lisbon or Madrid."""
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


def width_mm(layout: QPageLayout) -> float:
    return layout.pageSize().size(QPageSize.Unit.Millimeter).width()


def test_a_sheet_printer_naming_no_paper_gets_a4_not_the_locales_letter(us_desk):
    layout = page_layout_for(QPageSize(), [LETTER, A4, A3, INDEX_CARD])
    assert layout.pageSize().id() == SIZE.A4
    assert layout.orientation() == QPageLayout.Orientation.Portrait


def test_a_sheet_printer_keeps_the_paper_it_names(us_desk):
    assert page_layout_for(LETTER, [LETTER, A4]).pageSize().id() == SIZE.Letter
    assert page_layout_for(A3, [A3, A4]).pageSize().id() == SIZE.A3


def test_a_roll_printer_and_no_printer_get_the_tickets_own_page(qapp):
    assert width_mm(page_layout_for(ROLL, [ROLL])) == pytest.approx(PAGE_WIDTH_MM)
    assert width_mm(page_layout_for(A4, [A4, ROLL])) == pytest.approx(PAGE_WIDTH_MM)
    assert width_mm(page_layout_for(None, ())) == pytest.approx(PAGE_WIDTH_MM)
    assert width_mm(new_ticket_printer().pageLayout()) == pytest.approx(PAGE_WIDTH_MM)
