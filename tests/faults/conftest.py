"""Fixtures of the fault tests: `private_pg`, a PostgreSQL cluster of their own to restart."""

from tests.faults.private_pg import private_pg  # noqa: F401 - a fixture
