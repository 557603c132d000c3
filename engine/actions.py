"""Actions: everything a person can do to a case, declared once in the workflow's table.

An `Action` names what a person does ("Evaluatie vastleggen"), who may do it, what must hold
before it (preconditions: guards with Dutch reasons, asked of the case *as it is*, before any
effect), the fields it takes (each checked by the one `Concept` validator of its domain
concept), the transition it makes (`fires`), whether it writes domain rows of its own
(`records`: a recorder bound by the use-case layer), and whether it cannot be undone. The web
form, the API endpoint with its JSON Schema, the task's button and the printed table all come
from this declaration; `engine.perform` is the one write path that runs it.

A transition that people may fire and that no declared action fires becomes an action of its
own (same name, its label, its roles; its payload is checked by the transition's cleaner), so
every human step goes through the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import InvalidPayload
from engine.spec import SYSTEM, Guard, Workflow


class Invalid(ValueError):
    """Raised by a concept's cleaner with the Dutch message for the person who typed it."""


@dataclass(frozen=True)
class Concept:
    """One domain concept's validator, stated once (contract hours, a plan date, a SMART text).

    `clean(raw)` returns the stored value or raises `Invalid` with a Dutch message; `schema`
    is the JSON Schema of the raw value, so the API documents exactly what the cleaner accepts.
    """

    name: str
    clean: Callable[[Any], Any]
    schema: Mapping[str, Any]
    description: str = ""
    choices: Mapping[str, str] | None = None  # code -> Dutch label, for a concept that is a choice
    items: Mapping[str, tuple[Concept, bool, str]] | None = None  # a list of records: key -> (concept, required, label)


@dataclass(frozen=True)
class Field:
    """One input of an action; `hidden_from` names the roles that may not read what was entered
    (the page and the API leave the value out for them)."""

    name: str
    label: str
    concept: Concept
    required: bool = False
    hint: str = ""
    required_if: Callable[[Mapping[str, Any]], bool] | None = None  # e.g. only for one milestone
    hidden_from: tuple[str, ...] = ()

    def visible_to(self, role: str) -> bool:
        return role not in self.hidden_from


@dataclass(frozen=True)
class Action:
    """One thing a person can do; see the module docstring."""

    name: str
    label: str
    roles: tuple[str, ...]
    fires: str = ""
    fields: tuple[Field, ...] | None = ()
    preconditions: tuple[Guard, ...] = ()
    hint: str = ""
    records: bool = False
    irreversible: bool = False
    reason_required: bool = False
    confirm: str = ""  # what happens, in one Dutch sentence; "{naam}" is the case's subject

    @property
    def trigger(self) -> str:
        return self.fires or self.name

    @property
    def declared(self) -> bool:
        """False for an action derived from a bare transition (its payload is the cleaner's)."""
        return self.fields is not None


def clean_payload(action: Action, raw: Any) -> dict[str, Any]:
    """Every field checked by its concept; unknown and missing fields named. Raises once."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidPayload({"payload": "De gegevens moeten een object zijn."})
    if action.fields is None:
        return dict(raw)
    known = {f.name for f in action.fields}
    errors = {k: "Onbekend veld." for k in raw if k not in known}
    out: dict[str, Any] = {}
    for f in action.fields:
        value = raw.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == [] or value == {}:
            if f.required or (f.required_if is not None and f.required_if(raw)):
                errors[f.name] = "Dit veld is verplicht."
            continue
        try:
            out[f.name] = f.concept.clean(value)
        except Invalid as exc:
            errors[f.name] = str(exc)
    if errors:
        raise InvalidPayload(errors)
    return out


def payload_schema(action: Action) -> dict[str, Any]:
    """The JSON Schema of an action's payload, from its fields' concepts."""
    if action.fields is None:
        return {"type": "object", "description": "Gecontroleerd door de overgang zelf (zie GET /workflows)."}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            f.name: {**f.concept.schema, "title": f.label, **({"description": f.hint} if f.hint else {})}
            for f in action.fields
        },
        "required": [f.name for f in action.fields if f.required],
    }


@dataclass(frozen=True)
class ActionTable:
    """A workflow's actions by name, declared and derived, with the task each one does."""

    workflow: Workflow
    by_name: dict[str, Action] = field(default_factory=dict)
    by_trigger: dict[str, list[Action]] = field(default_factory=dict)

    @classmethod
    def of(cls, wf: Workflow) -> ActionTable:
        by_name: dict[str, Action] = {a.name: a for a in wf.actions}
        fired = {a.trigger for a in wf.actions}
        for t in wf.transitions:
            if t.trigger in fired or t.trigger in by_name:
                continue  # (a system-only trigger becomes an action no person may do)
            roles = tuple(dict.fromkeys(r for b in wf.transitions if b.trigger == t.trigger
                                        for r in b.by if r != SYSTEM))
            by_name[t.trigger] = Action(
                name=t.trigger, label=wf.label_for(t.trigger), roles=roles, fires=t.trigger, fields=None,
                reason_required=any(b.reason_required for b in wf.transitions if b.trigger == t.trigger),
                irreversible=any(b.dest is not None and b.cancels_tasks for b in wf.transitions
                                 if b.trigger == t.trigger),
            )
        by_trigger: dict[str, list[Action]] = {}
        for a in by_name.values():
            by_trigger.setdefault(a.trigger, []).append(a)
        return cls(wf, by_name, by_trigger)

    def get(self, name: str) -> Action | None:
        return self.by_name.get(name)

    def for_trigger(self, trigger: str) -> list[Action]:
        return self.by_trigger.get(trigger, [])

    def possible_in(self, action: Action, state: str) -> bool:
        return any(t.trigger == action.trigger for t in self.workflow.transitions_from(state))


def validate_actions(wf: Workflow) -> list[str]:
    """Problems in a workflow's action table (called by `spec.validate`)."""
    problems: list[str] = []
    names = [a.name for a in wf.actions]
    if len(set(names)) != len(names):
        problems.append("duplicate action names")
    for a in wf.actions:
        if a.trigger not in wf.triggers:
            problems.append(f"action {a.name!r}: fires unknown trigger {a.trigger!r}")
            continue
        allowed = {r for t in wf.transitions if t.trigger == a.trigger for r in t.by}
        if not a.roles:
            problems.append(f"action {a.name!r}: no role may do it")
        for role in a.roles:
            if role not in allowed:
                problems.append(f"action {a.name!r}: role {role!r} may not fire {a.trigger!r}")
        for g in a.preconditions:
            if not isinstance(g, Guard):
                problems.append(f"action {a.name!r}: preconditions must be Guard objects")
    known = set(names) | {t.trigger for t in wf.transitions if any(r != SYSTEM for r in t.by)}
    for task in wf.tasks:
        if task.action and task.action not in known:
            problems.append(f"task {task.key or task.title!r}: unknown action {task.action!r}")
    return problems
