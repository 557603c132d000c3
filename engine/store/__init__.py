"""The database: engine, sessions and write scopes, tables, driver-level statements, sealed columns.

Importing the package registers every table, the case counters and their triggers included.
"""

from engine.store import case_counts as _case_counts  # noqa: F401 - the counters table and its triggers
