"""sealed personal data: data keys per candidate, blind name index, existing rows sealed

Candidates' personal data and the free text written about them are stored sealed
(AES-GCM) with a data key per candidate, wrapped under the master key in DATA_KEY_FILE
(engine/store/personal_data.py). This creates the key and index tables, widens the sealed columns to
text on PostgreSQL, and seals the rows stored in clear so far.

Revision ID: 0003
Revises: 0002
"""
from alembic import context, op
import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.store import crypto
from engine.store import personal_data as sealing

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

WIDENED = {
    'candidate': ['first_name', 'last_name', 'date_of_birth', 'email', 'phone'],
    'plan_document': ['function'],
}


def upgrade() -> None:
    op.create_table('data_key',
    sa.Column('subject_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('master_id', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('subject_id')
    )
    op.create_table('name_index',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('digest', 'subject_id')
    )
    op.create_index(op.f('ix_name_index_subject_id'), 'name_index', ['subject_id'], unique=False)
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':  # SQLite stores any text in any column
        for table, columns in WIDENED.items():
            for column in columns:
                op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT USING {column}::text')
    _seal_existing(conn)


def _seal_existing(conn) -> None:
    from workflows.storage import plan_models as P
    from workflows.storage.models import Candidate

    master = crypto.master_for(context.config.attributes.get('data_key_file'))
    session = Session(bind=conn, info={crypto.SESSION_INFO: master}, autoflush=False)
    sealing.seal_existing(session, [Candidate, P.InvraObservation, P.PlanDocument, P.PlanGoal,
                                    P.PlanEvaluation, P.PlanGoalReview, P.CoachingEntry])
    session.flush()
    session.close()


def downgrade() -> None:
    op.drop_index(op.f('ix_name_index_subject_id'), table_name='name_index')
    op.drop_table('name_index')
    op.drop_table('data_key')
