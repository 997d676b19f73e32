"""A cash sale must say how much cash was given

`sell_seats` refused cash short of the total, but a cash sale with no amount at all passed
(NULL < total is not true), leaving a cash booking with no cash recorded. The service always
sends the amount; a writer calling the function itself is now refused too (found by a review):

    IF p_sale->>'method' = 'cash'
       AND ((p_sale->>'cash_given')::integer < v_total) IS NOT FALSE THEN

The function, revision 0010's with that check, is written out whole in
migrations/sql/0011_sell_seats.sql.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 08:30:00
"""

from alembic import op

from ticket_office.db.schema import revision_sql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(revision_sql("0011_sell_seats.sql"))


def downgrade() -> None:
    op.execute(op.get_context().script.get_revision("0010").module.SELL_SEATS)
