"""lists: a person's saved filters (name, list, query string)

Revision ID: 0009_lists
Revises: 0008_money
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_lists'
down_revision = '0008_money'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('list_key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_saved_filter_owner', 'saved_filter', ['user_id', 'list_key', 'name'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_saved_filter_owner', table_name='saved_filter')
    op.drop_table('saved_filter')
