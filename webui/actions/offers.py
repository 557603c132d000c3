"""What a case offers an action's inputs: the choices come from the domain, never typed by hand.

For the candidate plan: the evaluations open now, the parties this person may sign for (and the
round being signed), the plan's goals (to update one, or one row each in an evaluation), the
employer's people as contact, JoB's active coaches, the organisation's INVRA labels, and the
plan document's current text (an update replaces the whole document, so it starts filled in).
"""

from __future__ import annotations

from sqlalchemy import select

from engine.actions import Action
from engine.errors import NotFound
from engine.services import CaseSnapshot
from engine.spec import Actor
from engine.store.models import User
from webui.actions.fields import Offer
from webui.auth import current_actor
from webui.extensions import services
from workflows.domain import candidate_plan as plan
from workflows.domain import coaching, invra
from workflows.domain.roles import HARRIE, JOB, OPDRACHTGEVER
from workflows.usecases.directory import Directory
from workflows.usecases.plan_services import PlanServices


def subject_of(case: CaseSnapshot) -> str:
    """Whom or what the case is about, as a sentence names it ("Daan Verhoeven", "Bakkerij De Korenaar")."""
    directory = Directory(services())
    if case.workflow == plan.NAME:
        names = directory.candidate_names({case.data.get("candidate_id")})
        return next(iter(names.values()), "de kandidaat")
    if case.organisation_id:
        try:
            return directory.company(current_actor(), case.organisation_id).line.name
        except NotFound:  # the employer row is gone; the sentence still reads
            return "dit bedrijf"
    return f"zaak {case.id}"


def offer_for(case: CaseSnapshot, action: Action, actor: Actor) -> Offer:
    offer = Offer()
    if case.workflow != plan.NAME:
        return offer
    svc = services()
    o = PlanServices(svc).plan_overview(actor, case.id)
    names = {f.name for f in action.fields or ()}
    labels = {c.code: o.invra.labels[c.code] for c in invra.COMPETENCES
              if o.invra.labels.get(c.code) not in (None, c.placeholder_label)}
    offer.invra_labels = labels
    if "milestone" in names:
        pending = [e for e in o.timeline if e.kind == plan.EVALUATION and e.status in ("open", "te_laat")]
        offer.options["milestone"] = [(e.key, f"{e.label} (uiterlijk {coaching.nl_date(e.due_on)})")
                                      for e in pending]
    if action.name == "sign":
        signable = [p for p in o.signoff.missing if o.signoff.round and plan.SIGNED_BY_ROLE[p] == actor.role]
        offer.options["party"] = [(p, plan.PARTIES[p]) for p in signable]
        offer.values["round"] = str(o.signoff.round or "")
        offer.hidden.add("round")
    if "goal_id" in names:
        offer.options["goal_id"] = [(str(g.id), g.specific) for g in o.goals]
    if "goal_reviews" in names:
        offer.rows["goal_reviews"] = [(str(g.id), f"Doel '{g.specific}'") for g in o.goals
                                      if g.status in ("open", "deels")]
    if "contact_user_id" in names or "coach_id" in names:
        with svc.db.read() as s:
            if "contact_user_id" in names:
                offer.options["contact_user_id"] = [(str(u.id), u.name) for u in s.scalars(
                    select(User).where(User.organisation_id == case.organisation_id, User.active.is_(True),
                                       User.role.in_((OPDRACHTGEVER, HARRIE))).order_by(User.name))]
            if "coach_id" in names:
                offer.options["coach_id"] = [(str(u.id), u.name) for u in s.scalars(
                    select(User).where(User.role == JOB, User.active.is_(True)).order_by(User.name))]
    if action.name == "update_plan":
        contact = next((v for v, n in offer.options.get("contact_user_id", []) if n == o.contact_name), "")
        offer.values.update(function=o.function or "", contact_user_id=contact, coaching_need=o.coaching_need or "",
                            onboarding_programme=o.onboarding_programme or "",
                            hours_distribution=o.hours_distribution or "")
    return offer
