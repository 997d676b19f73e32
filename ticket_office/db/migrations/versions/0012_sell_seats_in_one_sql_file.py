"""`sell_seats` as one readable SQL file: migrations/sql/0012_sell_seats.sql

Revisions 0004-0011 built the function in steps, the later ones editing the earlier ones'
text. This revision installs the function whole from one commented file: revision 0011's
function, unchanged but for its comments, so a reader (or a database administrator reading
pg_get_functiondef) finds in one place what a sale checks and in which order.

A later change to the function is a new file named after a new revision; this one stays as
it is, as every revision does.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:00:00
"""

from alembic import op

from ticket_office.db.schema import revision_sql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(revision_sql("0012_sell_seats.sql"))


def downgrade() -> None:
    op.execute(revision_sql("0011_sell_seats.sql"))
