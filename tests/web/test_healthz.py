"""`/healthz` for load balancers: public JSON, database status and the scheduler's heartbeat age."""

from __future__ import annotations

from datetime import timedelta

from engine.jobs.workers import beat
from tests.helpers import T0


def test_healthz_is_public_json_with_the_database_ok_and_no_scheduler_yet(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json == {"database": "ok", "status": "degraded",
                             "scheduler": {"workers": 0, "heartbeat_age_seconds": None, "status": "none"}}
    assert app.view_functions["health.healthz"].access_rule == "public"


def test_healthz_reports_the_age_of_the_newest_scheduler_heartbeat(client, app):
    db = app.extensions["jobtraject"].db
    beat(db, "worker-a", T0 - timedelta(seconds=40), T0 - timedelta(hours=1))
    beat(db, "worker-b", T0 - timedelta(seconds=12), T0 - timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["scheduler"] == {"workers": 2, "heartbeat_age_seconds": 12.0, "status": "ok"}


def test_healthz_is_503_for_a_stale_scheduler_only_when_asked_to_watch_it(client, app):
    beat(app.extensions["jobtraject"].db, "worker-a", T0 - timedelta(minutes=5), T0 - timedelta(hours=1))
    assert client.get("/healthz").status_code == 200
    app.config["HEALTH_MAX_HEARTBEAT_AGE_SECONDS"] = 60
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["scheduler"]["status"] == "stale" and response.json["database"] == "ok"
