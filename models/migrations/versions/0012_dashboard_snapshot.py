"""the dashboard's snapshots: a large subtree's page figures as of an instant, refreshed when the campaign changed

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa

from models.base import UTCDateTime


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dashboard_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('root_unit_id', sa.Integer(), nullable=False),
        sa.Column('as_of', UTCDateTime(), nullable=True),
        sa.Column('good_until', UTCDateTime(), nullable=True),
        sa.Column('changes', sa.String(length=255), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('refreshing_since', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['root_unit_id'], ['org_unit.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'root_unit_id'),
    )


def downgrade() -> None:
    op.drop_table('dashboard_snapshot')
