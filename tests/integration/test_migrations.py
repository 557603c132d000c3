"""`jobtraject migrate` builds exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.db import Base, Database
from tests import dbs
from webui.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    if dbs.SKIP_PG:
        pytest.skip("PostgreSQL tests skipped: JOBTRAJECT_SKIP_POSTGRES=1")
    url = dbs.create_pg_database()
    yield url
    dbs.drop_pg_database(url)


def test_migrations_match_the_models(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)  # running it twice is harmless
    db = Database(empty_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    db.dispose()
    assert diff == [], f"models and migrations differ; run `make migration-reset`: {diff}"
