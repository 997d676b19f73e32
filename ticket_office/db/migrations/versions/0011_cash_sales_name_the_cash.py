"""A cash sale must say how much cash was given

`sell_seats` refused cash short of the total, but a cash sale with no amount at all passed
(NULL < total is not true), leaving a cash booking with no cash recorded. The service always
sends the amount; a writer calling the function itself is now refused too (found by a review).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 08:30:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CASH_CHECK = (
    "    IF p_sale->>'method' = 'cash' AND (p_sale->>'cash_given')::integer < v_total THEN",
    "    IF p_sale->>'method' = 'cash'\n"
    "       AND ((p_sale->>'cash_given')::integer < v_total) IS NOT FALSE THEN",
)


def _sale(forward: bool) -> str:
    sale = op.get_context().script.get_revision("0010").module.SELL_SEATS
    if CASH_CHECK[0] not in sale:
        raise RuntimeError("revision 0010's sell_seats is not the text this revision edits")
    return sale.replace(*CASH_CHECK) if forward else sale


def upgrade() -> None:
    op.execute(_sale(forward=True))


def downgrade() -> None:
    op.execute(_sale(forward=False))
