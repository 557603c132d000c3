"""`jobtraject migrate` builds exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store.db import Base, Database
from webui.migrate import upgrade


def test_migrations_match_the_models(empty_db_url):
    upgrade(empty_db_url)
    upgrade(empty_db_url)  # running it twice is harmless
    db = Database(empty_db_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    db.dispose()
    assert diff == [], f"models and migrations differ; run `make migration-reset`: {diff}"
