"""Alembic environment: the URL comes from the caller (`jobtraject migrate`) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

import engine.store.models  # noqa: F401 - register tables
import workflows.storage.models  # noqa: F401
from engine.store.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable, url)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection, url)
    engine.dispose()


def _include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate leaves out tables that a hand-written migration creates (with triggers)."""
    return not (type_ == "table" and obj.info.get("hand_written_migration"))


def _run(connection, url: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
