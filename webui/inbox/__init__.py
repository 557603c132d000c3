"""The daily task inbox: my tasks by urgency, my role's queue, the archive."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from engine.errors import EngineError, NotFound
from engine.inbox import group_items
from webui.auth import current_actor, login_required
from webui.extensions import services

bp = Blueprint("inbox", __name__)


class TakeForm(FlaskForm):
    """Only the CSRF token: the task id is in the URL."""


@bp.route("/")
@login_required
def index():
    svc = services()
    actor = current_actor()
    now = svc.clock.now()
    mine = svc.my_tasks(actor)
    return render_template(
        "inbox.html",
        groups=group_items(mine, now),
        queue=svc.queue(actor),
        now=now,
        take_form=TakeForm(),
        registry=svc.registry,
    )


@bp.route("/archief")
@login_required
def archive():
    svc = services()
    return render_template("archive.html", items=svc.archive(current_actor()), registry=svc.registry)


@bp.route("/taken/<int:task_id>/oppakken", methods=["POST"])
@login_required
def take(task_id: int):
    form = TakeForm()
    if form.validate_on_submit():
        actor = current_actor()
        try:
            services().assign_task(actor, task_id, actor.user_id)
            flash("De taak staat nu in uw inbox.")
        except NotFound:
            raise
        except EngineError as exc:
            flash(exc.message, "error")
    return redirect(url_for("inbox.index"))
