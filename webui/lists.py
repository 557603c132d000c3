"""One mechanism for the lists people work from: sortable columns and saved filters.

Each list (Mijn taken, Wachtrij, Archief, Bedrijven, Kandidaten) registers once with its
whitelisted sort columns and a function that renders it; `sort_for` reads `?sorteer=` and
`&richting=op|af` for it (an unknown column is refused in Dutch, the list shown in its usual
order, status 400), and `_lists.html`'s `list_tools` shows the saved filters panel. A saved
filter is the list's query string (`workflows.usecases.saved_filters`), so filters other
lists add later are saved without a change here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, flash, g, make_response, redirect, request, url_for

from engine.errors import InvalidPayload
from webui.auth import current_actor, login_required
from webui.extensions import services
from workflows.usecases.saved_filters import (
    FREE_TEXT,
    LISTS,
    MAX_NAME,
    SavedFilters,
    SavedLine,
    clean_query,
)

bp = Blueprint("lists", __name__)

DIRECTIONS = {"op": False, "af": True}


@dataclass(frozen=True)
class ListSpec:
    key: str  # as in workflows.usecases.saved_filters.LISTS
    endpoint: str
    sorts: dict[str, str]  # column key -> its header on screen
    default: str
    default_descending: bool = False
    render: Callable[[], Any] | None = None  # the page as its view shows it (on a refused save)
    roles: tuple[str, ...] | None = None  # who may open the list (None: everyone signed in)

    @property
    def label(self) -> str:
        return LISTS[self.key]


SPECS: dict[str, ListSpec] = {}


def register(spec: ListSpec) -> ListSpec:
    """A list takes part (called once per list, at import of its blueprint)."""
    if spec.key not in LISTS or spec.default not in spec.sorts:  # pragma: no cover - a programming error
        raise ValueError(spec.key)
    SPECS[spec.key] = spec
    return spec


def sort_for(key: str) -> tuple[str, bool]:
    """The list's sort column and direction from the query string; the default for none.

    An unknown column or direction leaves the default order and a Dutch message for the top
    of the page (`g.list_error`, and `status()` answers 400)."""
    spec = SPECS[key]
    column = request.args.get("sorteer", "")
    direction = request.args.get("richting", "")
    if column and column not in spec.sorts:
        g.list_error = (f"Deze lijst kan niet sorteren op '{column[:40]}'. Kies een kolomkop; "
                        "de lijst staat nu in de gewone volgorde.")
        return spec.default, spec.default_descending
    if direction and direction not in DIRECTIONS:
        g.list_error = "Sorteer oplopend (op) of aflopend (af); de lijst staat nu in de gewone volgorde."
        return spec.default, spec.default_descending
    column = column or spec.default
    if not direction:
        return column, spec.default_descending if column == spec.default else False
    return column, DIRECTIONS[direction]


def status(ok: int = 200) -> int:
    """400 when the list's parameters were refused (the page still shows the list)."""
    return 400 if g.get("list_error") else ok


def _panel(key: str) -> dict[str, Any]:
    """What `list_tools` shows: my saved filters of this list, the save form's state."""
    saved: list[SavedLine] = SavedFilters(services()).mine(current_actor(), key) if g.get("user") else []
    query = clean_current_query()
    return {"key": key, "label": LISTS[key], "saved": saved, "query": query,
            "active": next((f.id for f in saved if f.query and f.query == query), None),
            "error": g.get("list_error"), "save_error": g.get("saved_filter_error"),
            "name": g.get("saved_filter_name", ""), "max_name": MAX_NAME,
            "drops_text": any(request.args.get(k) for k in FREE_TEXT),
            "save_url": url_for("lists.save", key=key) + (f"?{query}" if query else "")}


def clean_current_query() -> str:
    """This request's list parameters as a saved filter keeps them (no page number)."""
    return clean_query(urlencode(list(request.args.items(multi=True))))


@bp.route("/lijsten/<key>/filters", methods=["POST"])
@login_required
def save(key: str):
    """Save the list's current filter and sort (the list's query string is this URL's)."""
    spec = SPECS.get(key)
    if spec is None or (spec.roles is not None and current_actor().role not in spec.roles):
        abort(404)
    name = request.form.get("naam", "")
    query = clean_current_query()
    try:
        SavedFilters(services()).save(current_actor(), key, name, query)
    except InvalidPayload as exc:
        g.saved_filter_error = next(iter(exc.errors.values()))
        g.saved_filter_name = name[:200]
        if spec.render is None:  # pragma: no cover - every list registers its page
            abort(422)
        response = make_response(spec.render())
        response.status_code = 422
        return response
    flash(f"Het filter '{' '.join(name.split())}' is bewaard bij {spec.label}.")
    return redirect(url_for(spec.endpoint) + (f"?{query}" if query else ""))


@bp.route("/filters/<int:filter_id>")
@login_required
def apply(filter_id: int):
    """Open the list with one of my saved filters (someone else's: not found)."""
    key, query = SavedFilters(services()).get(current_actor(), filter_id)
    spec = SPECS.get(key)
    if spec is None:  # pragma: no cover - a list that no longer exists
        abort(404)
    return redirect(url_for(spec.endpoint) + (f"?{query}" if query else ""))


@bp.route("/filters/<int:filter_id>/verwijderen", methods=["POST"])
@login_required
def delete(filter_id: int):
    key, name = SavedFilters(services()).delete(current_actor(), filter_id)
    flash(f"Het filter '{name}' is verwijderd.")
    spec = SPECS.get(key)
    return redirect(url_for(spec.endpoint) if spec else url_for("inbox.index"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    # Globals, not a context processor: imported macros (`_lists.html`) see globals only.
    app.jinja_env.globals.update(list_panel=_panel, sort_labels=lambda key: SPECS[key].sorts)

