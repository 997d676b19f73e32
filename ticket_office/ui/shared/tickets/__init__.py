"""Tickets on paper: the ticket painter, PDF output and the print preview.

`print_tickets(parent, desk, reference)` is the entry point from the Bookings view and
`ticket_printer(parent, desk)` after a sale; `save_tickets_pdf(path, documents)` writes the
same pages to a file.
"""

from ticket_office.ui.shared.tickets.output import (
    paint_documents,
    render_ticket_image,
    save_tickets_pdf,
    ticket_page_layout,
)
from ticket_office.ui.shared.tickets.printing import (
    TicketPreviewDialog,
    print_tickets,
    ticket_printer,
)
from ticket_office.ui.shared.tickets.ticket_painter import paint_ticket

__all__ = [
    "TicketPreviewDialog",
    "paint_documents",
    "paint_ticket",
    "print_tickets",
    "render_ticket_image",
    "save_tickets_pdf",
    "ticket_page_layout",
    "ticket_printer",
]
