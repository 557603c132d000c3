"""The daily task inbox: my tasks by urgency, my role's queue, handing over, the archive.

Views are thin: form -> use case (`engine.task_services.TaskServices`) -> redirect, or the
page again with the Dutch message and the input kept. Lists come from the read model in
`workflows.usecases.task_inbox` (one query per list). The navigation's counts come from one
aggregate query per page, cached on `g`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from engine.errors import EngineError, InvalidPayload, NotFound
from engine.inbox import PARKED, TaskCounts
from engine.task_services import MAX_BATCH, MAX_REASON, TaskServices
from webui import lists
from webui.auth import current_actor, login_required
from webui.extensions import services
from webui.next_url import safe_next
from workflows.usecases.caseload import Caseload
from workflows.usecases.task_inbox import (
    ARCHIVE_SORTS,
    INBOX_PAGE,
    TASK_SORTS,
    TaskFilter,
    TaskInbox,
    task_ids,
)

bp = Blueprint("inbox", __name__)


# -- forms ----------------------------------------------------------------------------------


class FilterForm(FlaskForm):
    """GET parameters of the inbox and the queue; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    zoek = SearchField("Zoeken in taak, bedrijf of kandidaat", validators=[Length(max=100)])
    bedrijf = SelectField("Bedrijf", validate_choice=False)
    kandidaat = SelectField("Kandidaat", validate_choice=False)
    fase = SelectField("Fase", validate_choice=False)
    te_laat = BooleanField("Alleen te laat")


class PostForm(FlaskForm):
    """Only the CSRF token (the task id is in the URL) and where to go back to."""

    next = HiddenField()


def _user_id(value: Any) -> int:
    """A select's user id; 0 (nobody) for anything that is not a number."""
    return int(value) if str(value).isdigit() and len(str(value)) < 12 else 0


class AssignForm(PostForm):
    assignee_id = SelectField("Toewijzen aan collega", coerce=_user_id, validate_choice=False,
                              validators=[DataRequired("Kies een collega.")])
    reason = StringField("Waarom", validators=[Optional(), Length(max=500)])


class NlDateField(DateField):
    """A date as the browser's date picker sends it (2026-12-01) or as typed (1-12-2026)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class FollowUpForm(PostForm):
    follow_up_on = NlDateField(
        "Later terugzien op", format=["%Y-%m-%d", "%d-%m-%Y"],
        invalid_value_message="Vul een geldige datum in, bijvoorbeeld 1-12-2026.",
        validators=[InputRequired("Vul een datum in.")],
    )


class HandoverForm(FlaskForm):
    to_user = SelectField("Overdragen aan", coerce=_user_id, validate_choice=False,
                          validators=[DataRequired("Kies een collega.")])
    reason = TextAreaField("Reden van de overdracht", validators=[
        DataRequired("Geef een reden voor de overdracht."),
        Length(max=MAX_REASON, message=f"De reden is te lang (hoogstens {MAX_REASON} tekens)."),
    ])


# -- helpers --------------------------------------------------------------------------------


def _read() -> TaskInbox:
    return TaskInbox(services())


def _write() -> TaskServices:
    return TaskServices(services())


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def _filters(form: FilterForm) -> TaskFilter:
    phase = form.fase.data if form.fase.data and ":" in form.fase.data else None
    return TaskFilter(
        company_id=_int(form.bedrijf.data), candidate_id=_int(form.kandidaat.data), phase=phase,
        overdue_only=bool(form.te_laat.data), text=(form.zoek.data or "").strip()[:100] or None,
    )


def _filter_form() -> tuple[FilterForm, TaskFilter]:
    form = FilterForm(request.args)
    options = _read().filter_options(current_actor())
    form.bedrijf.choices = [("", "Alle bedrijven"), *((o.value, o.label) for o in options.companies)]
    form.kandidaat.choices = [("", "Alle kandidaten"), *((o.value, o.label) for o in options.candidates)]
    form.fase.choices = [("", "Alle fasen"), *((o.value, o.label) for o in options.phases)]
    if not form.validate():
        return form, TaskFilter()
    return form, _filters(form)


def _back(default: str) -> str:
    return safe_next(request.form.get("next")) or url_for(default)


def task_counts() -> TaskCounts | None:
    """My open and late tasks and my queue, once per request (navigation and inbox)."""
    if g.get("user") is None:
        return None
    if "task_counts" not in g:
        try:
            g.task_counts = _read().counts(current_actor())
        except EngineError:
            g.task_counts = None
    return g.task_counts


# -- pages ----------------------------------------------------------------------------------


def _render_inbox(follow_form: FollowUpForm | None = None, failed_task: int | None = None, status: int = 200):
    actor = current_actor()
    filter_form, filters = _filter_form()
    sort, descending = lists.sort_for("taken")
    mine = _read().mine(actor, filters, _int(request.args.get("pagina")) or 1, sort, descending)
    return render_template(
        "inbox.html", inbox=mine, page_size=INBOX_PAGE, parked_label=PARKED, fform=filter_form, filters=filters,
        now=services().clock.now(), follow_form=follow_form, failed_task=failed_task,
        is_coordinator=bool(g.user.is_coordinator),
        sort=sort, descending=descending,
    ), lists.status(status)


@bp.route("/")
@login_required
def index():
    return _render_inbox()


@bp.route("/wachtrij")
@login_required
def queue():
    return _render_queue()


def _render_queue():
    actor = current_actor()
    filter_form, filters = _filter_form()
    reader = _read()
    colleagues = reader.colleagues(actor)
    sort, descending = lists.sort_for("wachtrij")
    page = reader.queue_page(actor, filters, _int(request.args.get("pagina")) or 1, sort, descending)
    return render_template(
        "queue.html", page=page, items=page.items, fform=filter_form, filters=filters,
        now=services().clock.now(), colleagues=colleagues, sort=sort, descending=descending,
    ), lists.status()


@bp.route("/archief")
@login_required
def archive():
    return _render_archive()


def _render_archive():
    page = _int(request.args.get("pagina")) or 1
    sort, descending = lists.sort_for("archief")
    return render_template("archive.html", page=_read().archive(current_actor(), page, sort, descending),
                           sort=sort, descending=descending), lists.status()


lists.register(lists.ListSpec("taken", "inbox.index", TASK_SORTS, "uiterlijk", render=lambda: _render_inbox()))
lists.register(lists.ListSpec("wachtrij", "inbox.queue", TASK_SORTS, "uiterlijk", render=_render_queue))
lists.register(lists.ListSpec("archief", "inbox.archive", ARCHIVE_SORTS, "gesloten", default_descending=True,
                              render=_render_archive))


# -- actions --------------------------------------------------------------------------------


@bp.route("/taken/<int:task_id>/oppakken", methods=["POST"])
@login_required
def take(task_id: int):
    form = PostForm()
    if form.validate_on_submit():
        try:
            _write().take(current_actor(), task_id)
            flash("De taak staat nu bij Mijn taken.")
        except NotFound:
            raise
        except EngineError as exc:
            flash(exc.message, "error")
    return redirect(_back("inbox.queue"))


@bp.route("/taken/<int:task_id>/toewijzen", methods=["POST"])
@login_required
def assign(task_id: int):
    form = AssignForm()
    if form.validate_on_submit():
        try:
            _write().assign(current_actor(), task_id, form.assignee_id.data, form.reason.data)
            flash("De taak is toegewezen.")
        except NotFound:
            raise
        except EngineError as exc:
            flash(_message(exc), "error")
    else:
        flash("Kies een collega.", "error")
    return redirect(_back("inbox.queue"))


@bp.route("/taken/<int:task_id>/afronden", methods=["POST"])
@login_required
def complete(task_id: int):
    form = PostForm()
    if form.validate_on_submit():
        try:
            _write().complete(current_actor(), task_id)
            flash("De taak is afgerond.")
        except NotFound:
            raise
        except EngineError as exc:
            flash(exc.message, "error")
    return redirect(_back("inbox.index"))


@bp.route("/taken/<int:task_id>/later", methods=["POST"])
@login_required
def follow_up(task_id: int):
    form = FollowUpForm()
    actor = current_actor()
    if form.validate_on_submit():
        try:
            _write().set_follow_up(actor, task_id, form.follow_up_on.data)
            flash("U ziet deze taak terug op de gekozen datum.")
            return redirect(_back("inbox.index"))
        except NotFound:
            raise
        except InvalidPayload as exc:
            form.follow_up_on.errors = [exc.errors.get("follow_up_on", exc.message)]
        except EngineError as exc:  # not my task, or closed meanwhile: nothing to correct in the form
            flash(exc.message, "error")
            return redirect(_back("inbox.index"))
    return _render_inbox(form, task_id, 400)


@bp.route("/taken/<int:task_id>/later/wissen", methods=["POST"])
@login_required
def clear_follow_up(task_id: int):
    form = PostForm()
    if form.validate_on_submit():
        try:
            _write().set_follow_up(current_actor(), task_id, None)
            flash("De taak staat weer tussen uw andere taken.")
        except NotFound:
            raise
        except EngineError as exc:
            flash(exc.message, "error")
    return redirect(_back("inbox.index"))


def _message(exc: EngineError) -> str:
    if isinstance(exc, InvalidPayload) and exc.errors:
        return next(iter(exc.errors.values()))
    return exc.message


def _render_handover(form: HandoverForm, selected: set[int], error: str | None = None, status: int = 200):
    actor = current_actor()
    filter_form, filters = _filter_form()
    reader = _read()
    colleagues = reader.colleagues(actor, include_self=True)
    holder = _int(request.args.get("bij"))
    form.to_user.choices = [(0, "Kies een collega"), *colleagues]
    items = reader.team(actor, filters, holder)
    select_all = request.method == "GET" and request.args.get("alles") == "1"
    if select_all:  # "Alle getoonde taken kiezen": every row shown comes back ticked (no script needed)
        selected = {t.task_id for t in items}
    return render_template(
        "inbox_handover.html", items=items, form=form, selected=selected, select_all=select_all,
        fform=filter_form, filters=filters, colleagues=colleagues, holder=holder, error=error,
        now=services().clock.now(), caseload=Caseload(services()).per_colleague(actor), max_batch=MAX_BATCH,
    ), status


@bp.route("/overdragen", methods=["GET", "POST"])
@login_required
def handover():
    """The coordinator's caseload view: per colleague open cases, open and late tasks; hands several
    tasks of their role (or all shown: `?alles=1`) to a colleague with a reason (others: not found)."""
    if not g.user.is_coordinator:
        abort(404)
    form = HandoverForm()
    if request.method == "GET":
        return _render_handover(form, set())
    ids = task_ids(request.form.getlist("taak"))
    selected = set(ids or [])
    if not form.validate_on_submit() or not ids:
        error = None if ids else "Kies ten minste één taak."
        return _render_handover(form, selected, error, 400)
    try:
        moved = _write().hand_over(current_actor(), ids, form.to_user.data, form.reason.data)
    except NotFound:
        raise
    except InvalidPayload as exc:
        if "reason" in exc.errors:
            form.reason.errors = [exc.errors["reason"]]
        if "assignee_id" in exc.errors:
            form.to_user.errors = [exc.errors["assignee_id"]]
        rest = [v for k, v in exc.errors.items() if k not in ("reason", "assignee_id")]
        return _render_handover(form, selected, rest[0] if rest else None, 400)
    except EngineError as exc:
        return _render_handover(form, selected, exc.message, 400)
    flash(f"{moved} {'taak' if moved == 1 else 'taken'} overgedragen.")
    return redirect(url_for("inbox.handover"))


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_task_counts() -> dict[str, Any]:
        return {"task_counts": task_counts()}
