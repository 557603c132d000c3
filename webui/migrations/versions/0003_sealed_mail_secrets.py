"""sealed mail secrets: outbox_message.sealed_secret and secret_expires_at

Reset links in queued mail are kept sealed from now on (engine/jobs/secret_mail.py). Links
already stored in clear by earlier versions are removed here; a reset mail that was still
waiting is marked `expired` rather than sent without its link (the user asks again).

Revision ID: 0003
Revises: 0002
"""
import re

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

RESET_LINK = re.compile(r"(/wachtwoord-herstellen/)[^\s\"'<>]+")
REDACTED = r"\1[verwijderd]"
EXPIRED_REASON = "De link in deze mail is bij een update verwijderd; niet verstuurd."


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_secret', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('secret_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_outbox_sealed_expiry', 'outbox_message', ['secret_expires_at'], unique=False,
                    sqlite_where=sa.text('sealed_secret IS NOT NULL'),
                    postgresql_where=sa.text('sealed_secret IS NOT NULL'))
    _remove_clear_reset_links(op.get_bind())


def _remove_clear_reset_links(conn) -> None:
    mail = sa.table('outbox_message', sa.column('id'), sa.column('status'), sa.column('body_text'),
                    sa.column('body_html'), sa.column('next_attempt_at'), sa.column('last_error'))
    pattern = '%/wachtwoord-herstellen/%'
    rows = conn.execute(sa.select(mail.c.id, mail.c.status, mail.c.body_text, mail.c.body_html).where(
        sa.or_(mail.c.body_text.like(pattern), mail.c.body_html.like(pattern)))).all()
    for row in rows:
        values = {
            'body_text': RESET_LINK.sub(REDACTED, row.body_text or ''),
            'body_html': RESET_LINK.sub(REDACTED, row.body_html) if row.body_html else row.body_html,
        }
        if row.status != 'sent':
            values.update(status='expired', next_attempt_at=None, last_error=EXPIRED_REASON)
        conn.execute(sa.update(mail).where(mail.c.id == row.id).values(**values))


def downgrade() -> None:
    op.drop_index('ix_outbox_sealed_expiry', table_name='outbox_message',
                  sqlite_where=sa.text('sealed_secret IS NOT NULL'),
                  postgresql_where=sa.text('sealed_secret IS NOT NULL'))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('secret_expires_at')
        batch_op.drop_column('sealed_secret')
