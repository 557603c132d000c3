"""The real `jobtraject` command with the test workflow registered, for multi-process fault tests.

    python -m tests.faults.app_proc serve --port P --no-scheduler
    python -m tests.faults.app_proc worker

Exactly `webui.cli.main` (waitress `serve`, APScheduler `worker`), configured from the
environment (DATABASE_URL, SECRET_KEY, SMTP_PORT, SCHEDULER_INTERVAL_SECONDS, ...); only
the app factory adds `tests.timer_workflow.EVALUATION` to the registry.
"""

from __future__ import annotations

import sys

from flask import Flask

from tests.timer_workflow import EVALUATION
from webui import cli, create_app


def factory(*_args) -> Flask:
    app = create_app()
    app.extensions["jobtraject"].registry.register(EVALUATION)
    return app


if __name__ == "__main__":
    cli.main.create_app = factory
    sys.exit(cli.main(prog_name="jobtraject"))
