"""the track (diện riêng) an assignment's unit is on, whose own deadlines it follows

Revision ID: 0011
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('track', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_column('track')
