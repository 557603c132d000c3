"""casework: notes and documents on a case (with versions), and the blob store's table

Notes' text and documents' file names on a candidate's plan are sealed with the candidate's
data key (workflows/storage/casework_models.py); the files' bytes live in `blob`
(engine/store/blobs.py), so one backup holds them.

Revision ID: 0006_casework
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_casework'
down_revision = '0005_money'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('blob',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('case_note',
    sa.Column('id', BigId, nullable=False),
    sa.Column('case_id', BigId, nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['wf_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_note_case_id'), 'case_note', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_note_candidate_id'), 'case_note', ['candidate_id'], unique=False)
    op.create_table('case_note_version',
    sa.Column('note_id', BigId, nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['note_id'], ['case_note.id'], ),
    sa.ForeignKeyConstraint(['written_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('note_id', 'version')
    )
    op.create_table('case_document',
    sa.Column('id', BigId, nullable=False),
    sa.Column('case_id', BigId, nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('visibility', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['wf_case.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_document_case_id'), 'case_document', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_document_candidate_id'), 'case_document', ['candidate_id'], unique=False)
    op.create_table('case_document_version',
    sa.Column('document_id', BigId, nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('blob_key', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['case_document.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'version')
    )
    op.create_index('ix_case_document_version_sha256', 'case_document_version', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_case_document_version_sha256', table_name='case_document_version')
    op.drop_table('case_document_version')
    op.drop_index(op.f('ix_case_document_candidate_id'), table_name='case_document')
    op.drop_index(op.f('ix_case_document_case_id'), table_name='case_document')
    op.drop_table('case_document')
    op.drop_table('case_note_version')
    op.drop_index(op.f('ix_case_note_candidate_id'), table_name='case_note')
    op.drop_index(op.f('ix_case_note_case_id'), table_name='case_note')
    op.drop_table('case_note')
    op.drop_table('blob')
