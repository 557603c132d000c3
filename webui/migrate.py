"""Apply (and, for developers, generate) Alembic migrations shipped inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head", *, data_key_file: str | None = None) -> None:
    """Migrate; `data_key_file`: the master key that seals existing rows (0003), else DATA_KEY_FILE."""
    cfg = alembic_config(url)
    cfg.attributes["data_key_file"] = data_key_file
    command.upgrade(cfg, revision)


def current_heads(url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(url)).get_heads())
