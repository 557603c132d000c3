"""WSGI entry point for production servers: `gunicorn --workers 4 'webui.wsgi:app'`.

Configuration comes from the environment (docs/operations.md). No scheduler starts here: run
`jobtraject worker` processes next to the web workers.
"""

from __future__ import annotations

from webui import create_app

app = create_app()
