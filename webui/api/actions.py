"""The API does what the web does: every declared action, and the lists a client needs.

`POST /cases/{id}/actions/{action}` runs the same `Services.perform` as the web form; the
action's payload schema comes from its declaration (`GET /cases/{id}` lists them per case,
with `allowed` and the Dutch reason when not). Plus the reads a client needs to fill those
payloads: organisations, candidates and one candidate's page (JoB), the token's own user, and a plan's schedule.
"""

from __future__ import annotations

from typing import Any

from engine.errors import NotFound
from webui.api import bp
from webui.api.action_schemas import ACTION_REQUEST
from webui.api.auth import api_actor, token_required
from webui.api.errors import request_id
from webui.api.validation import check, integral
from webui.api.views import _args, _body, _case_id, _json, action_json, case_full
from webui.extensions import services
from workflows.domain.candidate_plan import NAME as CANDIDATE_PLAN
from workflows.usecases.directory import Directory
from workflows.usecases.plan_services import PlanServices
from workflows.usecases.register import CandidatePage, CandidateRegister


def case_with_actions(case_id: int) -> dict[str, Any]:
    svc = services()
    actor = api_actor()
    snap = svc.get_case(actor, case_id)
    body = case_full(snap, svc.triggers_for(actor, case_id), svc.registry)
    body["available_actions"] = [action_json(o) for o in svc.actions_for(actor, case_id)]
    return body


@bp.route("/cases/<int:case_id>/actions/<action>", methods=["POST"])
@token_required
def perform_action(case_id: int, action: str):
    _args()
    svc = services()
    actor = api_actor()
    svc.get_case(actor, _case_id(case_id))  # an invisible case is 404 before anything else
    body = _body()
    check(ACTION_REQUEST, body)
    done = svc.perform(actor, case_id, action, body.get("payload") or {},
                       expected_version=integral(body.get("expected_version")), reason=body.get("reason"),
                       request_id=request_id())
    result = done.result
    out = case_with_actions(case_id)
    out["result"] = result if isinstance(result, int | None) else {"id": result[0], "over_cap": result[1],
                                                                   "warnings": list(result[2])}
    return _json(out)


@bp.route("/cases/<int:case_id>/schedule", methods=["GET"])
@token_required
def case_schedule(case_id: int):
    _args()
    svc = services()
    actor = api_actor()
    case = svc.get_case(actor, _case_id(case_id))
    if case.workflow != CANDIDATE_PLAN:
        return _json({"case_id": case_id, "items": []})
    items = [{"key": e.key, "label": e.label, "kind": e.kind, "opens_on": e.opens_on.isoformat(),
              "due_on": e.due_on.isoformat(), "status": e.status, "late": e.late}
             for e in PlanServices(svc).schedule(actor, case_id)]
    return _json({"case_id": case_id, "items": items})


@bp.route("/organisations", methods=["GET"])
@token_required
def list_organisations():
    _args()
    rows = Directory(services()).organisations(api_actor())
    return _json({"items": [{"id": o.id, "name": o.name, "kind": o.kind, "parent_id": o.parent_id} for o in rows]})


@bp.route("/candidates", methods=["GET"])
@token_required
def list_candidates():
    _args()
    try:
        rows = Directory(services()).candidates(api_actor())
    except NotFound:
        raise NotFound("Alleen JoB kan kandidaten opvragen.") from None
    return _json({"items": [{"id": c.id, "name": c.name, "target_group": c.target_group,
                             "in_doelgroepregister": c.in_doelgroepregister, "contract_hours": c.contract_hours}
                            for c in rows]})


@bp.route("/candidates/<int:candidate_id>", methods=["GET"])
@token_required
def get_candidate(candidate_id: int):
    """One candidate with plans, trajectories, notes and documents (JoB and administrators; others 404)."""
    _args()
    return _json(candidate_json(CandidateRegister(services()).page(api_actor(), candidate_id)))


def candidate_json(c: CandidatePage) -> dict[str, Any]:
    return {
        "id": c.id, "name": c.name, "erased": c.erased,
        "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
        "email": c.email, "phone": c.phone, "target_group": c.target_group,
        "in_doelgroepregister": c.in_doelgroepregister,
        "register_checked_on": c.register_checked_on.isoformat() if c.register_checked_on else None,
        "contract_hours": c.contract_hours, "created_at": c.created_at.isoformat(),
        "plans": [{"case_id": p.case_id, "state": p.state_label, "employer": p.employer,
                   "started_at": p.started.isoformat(), "closed": p.closed} for p in c.plans],
        "trajectories": [{"case_id": t.case_id, "employer": t.employer, "status": t.status} for t in c.trajectories],
        "notes": [{"id": n.id, "case_id": n.case_id, "author": n.author, "visibility": n.visibility,
                   "created_at": n.created_at.isoformat(), "updated_at": n.updated_at.isoformat(),
                   "version": n.version, "text": n.text} for n in c.notes],
        "documents": [{"id": d.id, "case_id": d.case_id, "visibility": d.visibility, "version": d.current.version,
                       "filename": d.current.filename, "content_type": d.current.content_type,
                       "size": d.current.size, "sha256": d.current.sha256,
                       "uploaded_at": d.current.uploaded_at.isoformat()} for d in c.documents],
    }


@bp.route("/users/me", methods=["GET"])
@token_required
def me():
    _args()
    user = Directory(services()).me(api_actor())
    return _json({"id": user.id, "name": user.name, "email": user.email, "role": user.role,
                  "organisation_id": user.organisation_id, "is_coordinator": bool(user.is_coordinator)})
