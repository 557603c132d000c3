"""money: instruments per placement, closed periods of coaching hours, the source and
valid-from date of a changed setting

Revision ID: 0005_money
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005_money'
down_revision = '0004'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('placement_instrument',
    sa.Column('id', BIG, nullable=False),
    sa.Column('plan_case_id', BIG, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('apply_by', sa.Date(), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('amount_eur', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_case_id'], ['wf_case.id'], ),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_case_id', 'kind', name='uq_placement_instrument_kind')
    )
    with op.batch_alter_table('placement_instrument', schema=None) as batch_op:
        batch_op.create_index('ix_placement_instrument_status', ['status', 'apply_by'], unique=False)
    op.create_table('hours_period',
    sa.Column('id', BIG, nullable=False),
    sa.Column('plan_case_id', BIG, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('billable', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('uwv_hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('cost_eur', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('uwv_eur', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['plan_case_id'], ['wf_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_case_id', 'month', name='uq_hours_period_month')
    )
    with op.batch_alter_table('plan_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_setting', schema=None) as batch_op:
        batch_op.drop_column('valid_from')
        batch_op.drop_column('source')
    op.drop_table('hours_period')
    with op.batch_alter_table('placement_instrument', schema=None) as batch_op:
        batch_op.drop_index('ix_placement_instrument_status')
    op.drop_table('placement_instrument')
