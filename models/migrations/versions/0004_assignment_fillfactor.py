"""Room on PostgreSQL's assignment pages, so a sweep's watermark update stays on its page (a HOT update) and does
not rewrite the table's four indexes for every one of hundreds of thousands of rows

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE assignment SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE assignment RESET (fillfactor)")
