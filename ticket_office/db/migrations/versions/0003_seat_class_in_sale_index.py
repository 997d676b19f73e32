"""Carry seat_class in the double-sale index so free-seat counts never read the table

Journey search counts the seats taken on a leg by class. Without seat_class in the index,
each counted ticket cost a table page: about 5,000 pages per search at a million tickets, more
than the server cache holds (bench/search_at_scale.py: p95 138 ms -> 14 ms with this change).
Rebuilding the constraint locks tickets briefly (about 20 s at a million tickets).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 21:40:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _exclusion(include: str) -> str:
    return (
        "ALTER TABLE tickets ADD CONSTRAINT ex_tickets_no_double_sale "
        "EXCLUDE USING gist (run_id WITH =, run_seat_id WITH =, stops WITH &&) "
        f"{include}WHERE (status = 'active')"
    )


def upgrade() -> None:
    op.execute("ALTER TABLE tickets DROP CONSTRAINT ex_tickets_no_double_sale")
    op.execute(_exclusion("INCLUDE (seat_class) "))


def downgrade() -> None:
    op.execute("ALTER TABLE tickets DROP CONSTRAINT ex_tickets_no_double_sale")
    op.execute(_exclusion(""))
