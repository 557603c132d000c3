"""JoB's dashboard (JoB and administrators only; for anyone else the page does not exist)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.auth import current_actor, roles_required
from webui.extensions import services
from workflows.domain.roles import ADMIN, JOB
from workflows.usecases.dashboard import Dashboard

bp = Blueprint("dashboard", __name__)


@bp.route("/dashboard")
@roles_required(JOB, ADMIN)
def index():
    return render_template("dashboard.html", d=Dashboard(services()).build(current_actor()))
