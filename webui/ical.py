"""Notification settings and the iCalendar feed.

- `/meldingen`: a user chooses which mails they get (digest only, every reminder, none)
  and creates or revokes the secret link of their calendar feed;
- `/ical/<token>.ics`: the feed itself, for Outlook and other calendar clients. It needs
  no login: the 256-bit token is the credential, so it is shown once and can be revoked.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import AnyOf

from engine import calendar
from engine.errors import EngineError
from engine.jobs.reminders import NOTIFY_CHOICES, set_notify
from webui.auth import login_required, public
from webui.extensions import services
from webui.scheduling import case_label, reminder_settings

bp = Blueprint("ical", __name__)

_NEW_FEED = "ical_new_feed_url"


class NotifyForm(FlaskForm):
    """The radio buttons are drawn by the template from NOTIFY_CHOICES."""

    notify = StringField("Welke mail wilt u krijgen?", validators=[AnyOf(list(NOTIFY_CHOICES))])


class PostForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("/ical/<token>.ics")
@public
def feed(token: str):
    svc = services()
    settings = reminder_settings(current_app)
    body = calendar.feed_for_token(svc.db, svc.clock, svc.policy, token, settings.case_url,
                                   case_label(current_app))
    if body is None:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="jobtraject.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/meldingen", methods=["GET"])
@login_required
def settings():
    svc = services()
    form = NotifyForm(notify=g.user.notify)
    new_url = session.pop(_NEW_FEED, None)
    return render_template(
        "notifications.html", form=form, choices=NOTIFY_CHOICES, post_form=PostForm(), new_url=new_url,
        has_feed=calendar.has_token(svc.db, g.user.id),
    )


@bp.route("/meldingen", methods=["POST"])
@login_required
def save():
    form = NotifyForm()
    if form.validate_on_submit():
        try:
            set_notify(services().db, g.user.id, form.notify.data)
            flash("Uw keuze is opgeslagen.")
        except EngineError as exc:
            flash(exc.message, "error")
    else:
        flash("Kies een van de mogelijkheden.", "error")
    return redirect(url_for("ical.settings"))


@bp.route("/meldingen/agenda", methods=["POST"])
@login_required
def create_feed():
    if PostForm().validate_on_submit():
        svc = services()
        token = calendar.create_token(svc.db, svc.clock, g.user.id)
        base = current_app.config["BASE_URL"].rstrip("/")
        session[_NEW_FEED] = base + url_for("ical.feed", token=token)
        flash("Uw nieuwe agendalink staat hieronder. Eerdere links werken niet meer.")
    return redirect(url_for("ical.settings"))


@bp.route("/meldingen/agenda/intrekken", methods=["POST"])
@login_required
def revoke_feed():
    if PostForm().validate_on_submit():
        svc = services()
        calendar.revoke_tokens(svc.db, svc.clock, g.user.id)
        flash("Uw agendalink werkt niet meer.")
    return redirect(url_for("ical.settings"))
