"""Generic case engine: persisted state machines, audit trail, tasks and timers.

Knows nothing about companies, candidates or the web; the `workflows` package supplies
the domain as declarative tables and `webui` the HTTP layer.
"""
