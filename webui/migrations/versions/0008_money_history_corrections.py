"""money: every version of a setting with its valid-from date (plan_setting becomes
plan_setting_version, the stored values copied as their first versions), and corrections of
hours after a period was closed (hours_correction)

Revision ID: 0008_money
Revises: 0007_admin
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_money'
down_revision = '0007_admin'
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('plan_setting_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_plan_setting_version_key', 'plan_setting_version', ['key', 'valid_from'], unique=False)
    op.execute(
        "INSERT INTO plan_setting_version (key, value, source, valid_from, reason, changed_at, changed_by_id) "
        "SELECT key, value, COALESCE(source, 'Bron niet vastgelegd (waarde van voor de geschiedenis)'), "
        "COALESCE(valid_from, DATE '2015-01-01'), NULL, updated_at, updated_by_id FROM plan_setting"
        if op.get_context().dialect.name == 'postgresql' else
        "INSERT INTO plan_setting_version (key, value, source, valid_from, reason, changed_at, changed_by_id) "
        "SELECT key, value, COALESCE(source, 'Bron niet vastgelegd (waarde van voor de geschiedenis)'), "
        "COALESCE(valid_from, '2015-01-01'), NULL, updated_at, updated_by_id FROM plan_setting")
    op.drop_table('plan_setting')
    op.create_table('hours_correction',
    sa.Column('id', BIG, nullable=False),
    sa.Column('plan_case_id', BIG, nullable=False),
    sa.Column('entry_id', BIG, nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('minutes <> 0', name='ck_hours_correction_minutes'),
    sa.ForeignKeyConstraint(['entry_id'], ['coaching_entry.id'], ),
    sa.ForeignKeyConstraint(['plan_case_id'], ['wf_case.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_hours_correction_plan_month', 'hours_correction', ['plan_case_id', 'month'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_hours_correction_plan_month', table_name='hours_correction')
    op.drop_table('hours_correction')
    op.create_table('plan_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.drop_index('ix_plan_setting_version_key', table_name='plan_setting_version')
    op.drop_table('plan_setting_version')
