"""case state counts: counters per workflow and state, kept by triggers on wf_case

The dashboard reads these instead of counting cases (engine/store/case_counts.py says why).
The existing cases are counted once here; from then on the triggers keep the counts.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

from engine.store import case_counts

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_state_count',
    sa.Column('workflow', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('shard', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workflow', 'state', 'shard')
    )
    conn = op.get_bind()
    case_counts.install(conn)
    case_counts.backfill(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for ddl in case_counts.DROP_DDL[conn.dialect.name]:
        op.execute(ddl)
    op.drop_table('case_state_count')
