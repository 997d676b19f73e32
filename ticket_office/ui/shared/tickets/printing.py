"""Print preview and printing of a booking's tickets.

`print_tickets` fetches the signed ticket documents through the task runner (never on the GUI
thread), then opens a print preview; its Print button opens the system print dialog, and its
"Save PDF" button writes the same pages to a file. Both paint with `paint_documents`, so what
the preview shows is what the printer and the PDF get. The page is the ticket's own on a roll
printer or with no printer, and A4 on a sheet printer that names no paper of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QToolBar, QWidget

from ticket_office.services.ticket_documents import TicketDocument
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.tickets.output import (
    PAGE_HEIGHT_MM,
    PAGE_WIDTH_MM,
    paint_documents,
    save_tickets_pdf,
    sheet_page_layout,
    ticket_page_layout,
)

_ROLL_MM = PAGE_WIDTH_MM + 2  # a paper this narrow (and long) is a ticket roll


def _tr(text: str) -> str:
    return QCoreApplication.translate("TicketPrinting", text)


def page_layout_for(default_size: QPageSize | None, sizes: Sequence[QPageSize]) -> QPageLayout:
    """The page for a printer with this default paper and these supported sizes.

    No printer (the preview, a PDF) and roll printers (a size as narrow as the ticket) get the
    ticket's own page. A sheet printer gets the paper it names as its default, else A4: never
    Qt's fallback, which follows the desk's locale and so gives Letter to an en_US desk in a
    euro-zone office.
    """
    if default_size is None or any(_is_roll(size) for size in (default_size, *sizes)):
        return ticket_page_layout()
    known = default_size.isValid() and default_size.id() != QPageSize.PageSizeId.Custom
    return sheet_page_layout(default_size if known else QPageSize(QPageSize.PageSizeId.A4))


def _is_roll(size: QPageSize) -> bool:
    # As narrow as the ticket and at least as long: a 3x5" index card is narrow but short.
    millimetres = size.size(QPageSize.Unit.Millimeter)
    narrow = millimetres.width() <= _ROLL_MM
    return size.isValid() and narrow and millimetres.height() >= PAGE_HEIGHT_MM


def printer_page_layout(printer: QPrinter) -> QPageLayout:
    info = QPrinterInfo(printer)
    if info.isNull():
        return page_layout_for(None, ())
    return page_layout_for(info.defaultPageSize(), info.supportedPageSizes())


def new_ticket_printer() -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(printer_page_layout(printer))
    printer.setDocName(_tr("Tickets"))
    return printer


class TicketPreviewDialog(QPrintPreviewDialog):
    """The print preview of one booking's tickets, with a Save PDF button."""

    def __init__(self, documents: Sequence[TicketDocument], parent: QWidget | None = None) -> None:
        self.printer = new_ticket_printer()
        super().__init__(self.printer, parent)
        self.documents = tuple(documents)
        reference = self.documents[0].reference if self.documents else ""
        self.setWindowTitle(_tr("Tickets for booking {0}").format(reference))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.paintRequested.connect(self._paint)
        self.save_action = QAction(_tr("Save PDF…"), self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setToolTip(_tr("Save these tickets as a PDF file (Ctrl+S)"))
        self.save_action.triggered.connect(self.save_pdf)
        self.addAction(self.save_action)
        toolbar = self.findChild(QToolBar)
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.save_action)

    def done(self, result: int) -> None:
        super().done(result)
        # Not every platform gives the keys back to the parent window when a dialog closes.
        parent = self.parentWidget()
        if parent is not None and parent.isVisible():
            parent.activateWindow()

    def _paint(self, printer: QPrinter) -> None:
        paint_documents(printer, self.documents, printer.resolution())

    def save_pdf(self, path: str | None = None) -> str | None:
        if not path:
            suggested = f"tickets-{self.documents[0].reference}.pdf" if self.documents else ""
            path, _ = QFileDialog.getSaveFileName(
                self, _tr("Save tickets as PDF"), suggested, _tr("PDF files (*.pdf)")
            )
        if not path:
            return None
        try:
            save_tickets_pdf(path, self.documents)
        except OSError as error:
            QMessageBox.warning(self, _tr("Save PDF"), str(error))
            return None
        return path


def print_tickets(
    parent: QWidget,
    desk: DeskContext,
    reference: str,
    *,
    reprint: bool = False,
    on_error: Callable[[BaseException], None] | None = None,
    shown: Callable[[], None] | None = None,
) -> None:
    """Fetch the booking's tickets in the background, then open the print preview.

    `reprint=True` is for a booking sold earlier (it is audited as a reprint); after a sale the
    main window calls this with the default. `shown` runs once the preview is open: a fetch that
    failed issued no tickets.
    """
    fetch = desk.counter.reprint_tickets if reprint else desk.counter.ticket_documents
    # The preview belongs to the dialog printing was asked from (a sale's confirmation), so
    # closing it gives the keys back there, whenever the tickets arrive.
    modal = QApplication.activeModalWidget()
    asked_from = (
        modal
        if modal is not None
        and modal.parentWidget() is not None
        and modal.parentWidget().window() is parent.window()
        else parent
    )

    def show(documents: list[TicketDocument]) -> None:
        TicketPreviewDialog(documents, asked_from).open()
        if shown is not None:
            shown()

    def fail(error: BaseException) -> None:
        if on_error is not None:
            on_error(error)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _tr("Tickets"),
            str(error),
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    desk.tasks.run(fetch, reference, done=show, failed=fail)


def ticket_printer(
    parent: QWidget,
    desk: DeskContext,
    on_error: Callable[[BaseException], None] | None = None,
) -> Callable[[str], None]:
    """A `print(reference)` function for the bookings sold at this desk.

    The first print of a booking is the original; any later one is a reprint (the service
    audits reprints). A print whose tickets could not be fetched (the database or the signing
    key unavailable) issued nothing, so the next try is the original."""
    printed: set[str] = set()

    def print_reference(reference: str) -> None:
        print_tickets(
            parent,
            desk,
            reference,
            reprint=reference in printed,
            on_error=on_error,
            shown=lambda: printed.add(reference),
        )

    return print_reference
