"""rating decisions by the level above, and probationary members in report lines

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa

from models.base import UTCDateTime


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_rating', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('member_total_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('report_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probationary', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'rating_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('decider_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('quota_override', sa.Text(), nullable=True),
        sa.Column('decided_at', UTCDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decider_id'], ['org_unit.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'unit_id', 'version'),
    )
    op.create_index('ix_rating_decision_group', 'rating_decision', ['campaign_id', 'decider_id', 'current'])


def downgrade() -> None:
    op.drop_index('ix_rating_decision_group', table_name='rating_decision')
    op.drop_table('rating_decision')
    with op.batch_alter_table('report_line', schema=None) as batch_op:
        batch_op.drop_column('probationary')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('member_total_reason')
        batch_op.drop_column('self_rating')
