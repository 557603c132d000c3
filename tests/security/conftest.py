"""Security tests use the web fixtures (a migrated SQLite database with the demo data)."""

from __future__ import annotations

from tests.web.conftest import Auth, app, auth, client  # noqa: F401 - fixtures for this folder

__all__ = ["Auth"]
