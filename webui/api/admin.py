"""`GET /api/v1/users`: the accounts, for an integration that keeps a directory in step (admins only).

Reads only: inviting and changing people stays in the web UI (/beheer) and on the command
line, where every change asks for a reason for the administration history (organisations can
be created and changed over the API too, with a reason: webui/api/register.py).
Any other role gets the same 404 as for a path that does not exist.
"""

from __future__ import annotations

from typing import Any

from webui.api import bp
from webui.api.auth import api_actor, token_required
from webui.api.views import _args, _json
from webui.extensions import services
from workflows.usecases.administration import Administration

USER_ITEM = {
    "type": "object", "additionalProperties": False,
    "required": ["id", "email", "name", "role", "organisation_id", "is_coordinator", "active", "has_password",
                 "second_step"],
    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                   "role": {"type": "string"}, "organisation_id": {"type": "integer"},
                   "is_coordinator": {"type": "boolean"}, "active": {"type": "boolean"},
                   "has_password": {"type": "boolean", "description": "false: invited, no password chosen yet"},
                   "second_step": {"type": "boolean"}},
}


@bp.route("/users", methods=["GET"])
@token_required
def list_users():
    _args()
    rows = Administration(services()).users(api_actor())  # NotFound (404) for everyone but admins
    return _json({"items": [{"id": u.id, "email": u.email, "name": u.name, "role": u.role,
                             "organisation_id": u.organisation_id, "is_coordinator": u.is_coordinator,
                             "active": u.active, "has_password": u.has_password, "second_step": u.second_step}
                            for u in rows]})


def admin_paths(errors: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI entries of this module (`errors`: the shared error responses by code)."""
    schema = {"type": "object", "required": ["items"], "additionalProperties": False,
              "properties": {"items": {"type": "array", "items": USER_ITEM}}}
    return {"/api/v1/users": {"get": {
        "operationId": "listUsers", "summary": "Every account (administrators only; others get 404)",
        "responses": {"200": {"description": "Accounts", "content": {"application/json": {"schema": schema}}},
                      **{c: errors[c] for c in ("400", "401", "404", "503")}},
    }}}
