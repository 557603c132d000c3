"""`/healthz` for load balancers and monitoring: is the database reachable, is a scheduler alive.

Public (no login, no personal data): a JSON object with the database status and the age of
the newest scheduler heartbeat (`worker_heartbeat`, written by `jobtraject worker` and
`jobtraject serve` every sweep interval). 200 when the database answers, 503 when it does
not. A missing or old heartbeat makes it 503 only when `HEALTH_MAX_HEARTBEAT_AGE_SECONDS`
is set (> 0), so web nodes are not taken out of a load balancer because a worker is down
unless the operator asks for that.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from engine.clock import ensure_utc
from engine.errors import DatabaseBusy
from engine.store.models import WorkerHeartbeat
from webui.auth import public
from webui.extensions import services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
@public
def healthz():
    svc = services()
    body: dict[str, object] = {"database": "ok"}
    try:
        with svc.db.read() as s:
            s.execute(text("SELECT 1"))
            workers, newest = s.execute(
                select(func.count(), func.max(WorkerHeartbeat.beat_at))
            ).one()
    except (DatabaseBusy, DBAPIError) as exc:
        log.warning("healthz: database unreachable (%s)", type(exc).__name__)
        body.update(database="unreachable", status="unavailable", scheduler=None)
        return _json(body, 503)
    age = None if newest is None else round((svc.clock.now() - ensure_utc(newest)).total_seconds(), 1)
    max_age = float(current_app.config.get("HEALTH_MAX_HEARTBEAT_AGE_SECONDS") or 0)
    stale = age is None or (max_age > 0 and age > max_age)
    state = "none" if age is None else ("stale" if stale else "ok")
    body["scheduler"] = {"workers": workers, "heartbeat_age_seconds": age, "status": state}
    body["status"] = "degraded" if stale else "ok"
    return _json(body, 503 if stale and max_age > 0 else 200)


def _json(body: dict[str, object], status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
