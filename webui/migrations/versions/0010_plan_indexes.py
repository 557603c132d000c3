"""plan page: INVRA observations by plan (the plan page reads them by plan, not by candidate)

Revision ID: 0010_plan_indexes
Revises: 0009_lists
"""
from alembic import op

revision = '0010_plan_indexes'
down_revision = '0009_lists'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invra_observation_plan_on', 'invra_observation', ['plan_case_id', 'observed_on', 'id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_invra_observation_plan_on', table_name='invra_observation')
