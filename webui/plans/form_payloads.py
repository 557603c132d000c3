"""The plan page's forms and the declared action each one performs: the form -> (action, payload).

The rules (fields, preconditions, who) are the actions' own (`workflows.domain.plan_actions`);
a form only names its fields. Steps that cannot be undone have no form here: their own action
page asks for confirmation (`IRREVERSIBLE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InvalidPayload
from webui.plans import forms as f
from workflows.domain import candidate_plan as plan


@dataclass(frozen=True)
class Form:
    """One form on the plan page and the declared action(s) it performs (`workflows.domain.plan_actions`)."""

    actions: tuple[str, ...]  # the form is shown when the role may do one of these now
    form: Callable[..., f.PlanForm]
    payload: Callable[[Any], tuple[str, dict[str, Any]]]  # the form -> (action, payload)
    done: str  # the flash message after it worked
    anchor: str
    aliases: dict[str, str] = field(default_factory=dict)  # payload field -> form field


def _given(**values: Any) -> dict[str, Any]:
    """Only the fields the person filled in (an empty optional field is not sent)."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def _document(form: Any) -> tuple[str, dict[str, Any]]:
    return "update_plan", _given(function=form.function.data, contact_user_id=form.contact_user_id.data,
                                 coaching_need=form.coaching_need.data,
                                 onboarding_programme=form.onboarding_programme.data,
                                 hours_distribution=form.hours_distribution.data)


def _goal(form: Any) -> tuple[str, dict[str, Any]]:
    return "add_goal", _given(specific=form.specific.data, measure=form.measure.data,
                              target_date=form.target_date.data, owner=form.owner.data,
                              competence=form.competence.data)


def _goal_status(form: Any) -> tuple[str, dict[str, Any]]:
    return "set_goal_status", _given(goal_id=form.goal_id.data, status=form.status.data)


def _observation(form: Any) -> tuple[str, dict[str, Any]]:
    return "record_observation", _given(observed_on=form.observed_on.data, scores=form.scores() or None,
                                        notes=form.notes.data)


def _evaluation(form: Any) -> tuple[str, dict[str, Any]]:
    return "record_evaluation", _given(
        milestone=form.milestone.data, held_on=form.held_on.data, discussed=form.discussed.data,
        next_steps=form.next_steps.data, interview_candidate=form.interview_candidate.data,
        interview_harrie=form.interview_harrie.data, goal_reviews=form.goal_reviews() or None)


def _offer(form: Any) -> tuple[str, dict[str, Any]]:
    return "offer_for_signature", _given(document=form.document.data)


def _sign(form: Any) -> tuple[str, dict[str, Any]]:
    return "sign", _given(party=form.party.data, round=form.round.data, signed_on=form.signed_on.data)


def _schedule(form: Any) -> tuple[str, dict[str, Any]]:
    values = {s.key: (getattr(form, s.key).data or "").strip() for s in f.SCHEDULE_SETTINGS}
    given = _given(**values)
    if not given:
        raise InvalidPayload({"schedule": "Wijzig ten minste één instelling."})
    return "adjust_schedule", given


def _reason_only(action: str) -> Callable[[Any], tuple[str, dict[str, Any]]]:
    def payload(form: Any) -> tuple[str, dict[str, Any]]:
        return action, _given(reason=form.reason.data)

    return payload


def _nothing(action: str) -> Callable[[Any], tuple[str, dict[str, Any]]]:
    return lambda form: (action, {})


def _hours(form: Any) -> tuple[str, dict[str, Any]]:
    return "log_hours", _given(worked_on=form.worked_on.data, hours=form.hours.data, activity=form.activity.data,
                               note=form.note.data)


def _instrument(form: Any) -> tuple[str, dict[str, Any]]:
    return "update_instrument", _given(kind=form.kind.data, status=form.status.data, apply_by=form.apply_by.data,
                                       applied_on=form.applied_on.data, decided_on=form.decided_on.data,
                                       starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                       amount_eur=form.amount_eur.data)


def _period(form: Any) -> tuple[str, dict[str, Any]]:
    return "close_period", _given(month=form.month.data)


def _work_level(form: Any) -> tuple[str, dict[str, Any]]:
    return "set_work_level", _given(level=form.level.data, since=form.since.data)


def _training(form: Any) -> tuple[str, dict[str, Any]]:
    return "record_training", _given(route=form.route.data, level=form.level.data, status=form.status.data,
                                     on=form.on.data)


IRREVERSIBLE = frozenset(a.name for a in plan.WORKFLOW.actions if a.irreversible)
FORMS: dict[str, Form] = {
    "document": Form(("update_plan",), f.DocumentForm, _document, "Het trajectplan is bijgewerkt.", "plan-document"),
    "doel": Form(("add_goal",), f.GoalForm, _goal, "Het SMART-doel is toegevoegd.", "doelen"),
    "doelstatus": Form(("set_goal_status",), f.GoalStatusForm, _goal_status,
                       "De status van het doel is bijgewerkt.", "doelen", {"goal": "status"}),
    "observatie": Form(("record_observation",), f.ObservationForm, _observation,
                       "De INVRA-observatie is vastgelegd.", "invra", {"profile": "observed_on"}),
    "evaluatie": Form(("record_evaluation",), f.EvaluationForm, _evaluation, "De evaluatie is vastgelegd.",
                      "evaluaties"),
    "aanbieden": Form(("offer_for_signature",), f.OfferForm, _offer,
                      "Het document is ter ondertekening aangeboden.", "ondertekening"),
    "tekenen": Form(("sign",), f.SignForm, _sign, "De handtekening is vastgelegd.", "ondertekening"),
    "planning": Form(("adjust_schedule",), f.ScheduleForm, _schedule, "De planning is aangepast.", "acties"),
    "pauzeren": Form(("pause",), f.pause_form, _reason_only("pause"), "Het plan is gepauzeerd.", "acties"),
    "hervatten": Form(("resume",), f.EmptyForm, _nothing("resume"),
                      "Het plan loopt weer; alle data zijn opgeschoven met de duur van de pauze.", "acties"),
    "uren": Form(("log_hours",), f.HoursForm, _hours, "De uren zijn geschreven.", "uren",
                 {"hours": "hours"}),
    "instrument": Form(("update_instrument",), f.InstrumentForm, _instrument, "Het instrument is bijgewerkt.",
                       "instrumenten"),
    "periode": Form(("close_period",), f.PeriodForm, _period, "De periode is afgesloten.", "verantwoording"),
    "werkniveau": Form(("set_work_level",), f.WorkLevelForm, _work_level, "Het werkniveau is vastgelegd.",
                       "ontwikkeling"),
    "opleiding": Form(("record_training",), f.TrainingForm, _training, "De opleiding is vastgelegd.",
                      "ontwikkeling"),
}
