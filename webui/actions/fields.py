"""A declared action's form, generated from its fields: inputs, the payload they make, the errors.

Each `engine.actions.Field` becomes one input by its concept: a date picker for a date, a select
with the Dutch labels for a choice (or with the rows the case offers: the milestones open now,
the parties this person may sign for, the plan's goals, JoB's coaches), a text area for long
text, a number field for hours and settings, the 38 INVRA levels for a profile, and one row per
goal for a list of goal reviews. No rule lives here: the concepts check every value (their Dutch
messages come back next to the input); the form only carries what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.actions import Action, Field, Invalid
from workflows.domain import invra
from workflows.domain.concepts import MAX_LINE, missing

LONG_TEXT = MAX_LINE  # a text concept longer than one line gets a text area


@dataclass
class Input:
    """One input on the page: what the template draws and what the person typed."""

    name: str  # the form's name (a payload key, or 'key-part' inside rows and profiles)
    label: str
    kind: str  # text, textarea, date, number, select, hidden
    required: bool = False
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    error: str | None = None

    @property
    def id(self) -> str:
        return f"veld-{self.name}"


@dataclass
class Row:
    """One record of a repeating field (a goal under review): its title and its inputs."""

    key: str
    title: str
    inputs: list[Input]


@dataclass
class Group:
    """An input made of parts: a profile (levels per competence) or rows (a status per goal)."""

    name: str
    label: str
    kind: str  # profile, rows
    hint: str = ""
    parts: list[tuple[str, list[Input]]] = field(default_factory=list)  # profile: (category, inputs)
    rows: list[Row] = field(default_factory=list)
    error: str | None = None

    @property
    def id(self) -> str:
        return f"veld-{self.name}"

    def inputs(self) -> list[Input]:
        return [i for _c, group in self.parts for i in group] + [i for r in self.rows for i in r.inputs]


@dataclass
class Offer:
    """What the case offers for this action's inputs (filled by the view from the domain)."""

    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # field -> (value, label)
    values: dict[str, str] = field(default_factory=dict)  # field -> shown before anything is typed
    rows: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # rows field -> (row id, title)
    hidden: set[str] = field(default_factory=set)  # fields sent as they are (the signing round)
    invra_labels: dict[str, str] = field(default_factory=dict)  # code -> label (placeholders without a licence)


def _kind(f: Field) -> str:
    schema = f.concept.schema
    if schema.get("format") == "date":
        return "date"
    if f.concept.choices is not None:
        return "select"
    if schema.get("type") == "string" and schema.get("maxLength", 0) > LONG_TEXT:
        return "textarea"
    if "anyOf" in schema or schema.get("type") in ("integer", "number"):
        return "number"
    return "text"


def build(action: Action, offer: Offer, posted: Mapping[str, str] | None = None) -> list[Input | Group]:
    """The inputs of a declared action, filled with what was posted (or the case's values)."""
    out: list[Input | Group] = []
    for f in action.fields or ():
        value = (posted.get(f.name, "") if posted is not None else offer.values.get(f.name, "")) or ""
        if f.concept.items is not None:
            out.append(_rows(f, offer, posted))
        elif f.concept.name == "invra_profile":
            out.append(_profile(f, offer, posted))
        elif f.name in offer.hidden:
            out.append(Input(f.name, f.label, "hidden", f.required, value=value or offer.values.get(f.name, "")))
        elif f.name in offer.options or f.concept.choices is not None or f.concept.name == "invra_competence":
            options = offer.options.get(f.name)
            if options is None and f.concept.choices is not None:
                options = list(f.concept.choices.items())
            if options is None:  # a competence: 01-38 with the organisation's labels
                options = [(c.code, offer.invra_labels.get(c.code, c.placeholder_label)) for c in invra.COMPETENCES]
            if len(options) == 1 and f.required and not value:
                value = options[0][0]  # the only choice (the one open evaluation) is chosen already
            blank = [("", "— kies —" if f.required else "— geen —")] if len(options) != 1 or not f.required else []
            out.append(Input(f.name, f.label, "select", f.required, f.hint, blank + options, value))
        else:
            out.append(Input(f.name, f.label, _kind(f), f.required, f.hint, value=value))
    return out


def _profile(f: Field, offer: Offer, posted: Mapping[str, str] | None) -> Group:
    levels = [("", "–"), ("1", "1"), ("2", "2"), ("3", "3")]
    parts = []
    for cat in invra.CATEGORIES:
        inputs = []
        for n in range(cat.first, cat.last + 1):
            code = f"{n:02d}"
            name = f"{f.name}-{code}"
            label = offer.invra_labels.get(code, f"Competentie {code}")
            inputs.append(Input(name, label, "select", options=levels, value=(posted or {}).get(name, "")))
        parts.append((f"{cat.label} ({cat.first:02d}–{cat.last:02d})", inputs))
    return Group(f.name, f.label, "profile", f.hint, parts=parts)


def _rows(f: Field, offer: Offer, posted: Mapping[str, str] | None) -> Group:
    assert f.concept.items is not None
    rows = []
    for key, title in offer.rows.get(f.name, []):
        inputs = []
        for part, (concept, _required, _word) in f.concept.items.items():
            if concept.choices is None and concept.name == "id":
                continue  # the row's own id: the row says which record it is
            name = f"{f.name}-{key}-{part}"
            label = {"status": "Status", "note": "Toelichting"}.get(part, part)
            options = [("", "— niet besproken —"), *concept.choices.items()] if concept.choices else []
            inputs.append(Input(name, f"{label}", "select" if options else "text", options=options,
                                value=(posted or {}).get(name, "")))
        rows.append(Row(key, title, inputs))
    return Group(f.name, f.label, "rows", f.hint, rows=rows)


def payload(action: Action, inputs: list[Input | Group]) -> dict[str, Any]:
    """What the person filled in, in the shape the action's concepts read (empty is not sent)."""
    out: dict[str, Any] = {}
    for item in inputs:
        if isinstance(item, Group) and item.kind == "profile":
            scores = {i.name.rsplit("-", 1)[1]: int(i.value) if i.value.isdigit() else i.value
                      for i in item.inputs() if i.value}
            if scores:
                out[item.name] = scores
        elif isinstance(item, Group):
            rows = []
            for row in item.rows:
                values = {i.name.rsplit("-", 1)[1]: i.value.strip() for i in row.inputs}
                if any(values.values()):
                    rows.append({"goal_id": int(row.key) if row.key.isdigit() else row.key,
                                 **{k: v or None for k, v in values.items()}})
            if rows:
                out[item.name] = rows
        elif item.value.strip():
            out[item.name] = item.value.strip()
    return out


def row_errors(action: Action, inputs: list[Input | Group]) -> dict[str, str]:
    """Each repeating row checked by its parts' concepts, named by its title: "Doel 'Kratten
    wassen': kies een status." (the concept's own message names only a row number)."""
    errors: dict[str, str] = {}
    fields = {f.name: f for f in action.fields or ()}
    for group in (i for i in inputs if isinstance(i, Group) and i.kind == "rows"):
        items = fields[group.name].concept.items or {}
        for row in group.rows:
            values = {i.name.rsplit("-", 1)[1]: i for i in row.inputs}
            if not any(i.value.strip() for i in values.values()):
                continue
            for part, (concept, required, word) in items.items():
                box = values.get(part)
                if box is None:
                    continue
                message = None
                if not box.value.strip():
                    message = missing(concept, word) if required else None
                else:
                    try:
                        concept.clean(box.value.strip())
                    except Invalid as exc:
                        message = str(exc)
                if message:
                    box.error = f"{row.title}: {message[0].lower()}{message[1:]}"
                    errors[box.name] = box.error
    return errors


def attach(inputs: list[Input | Group], errors: Mapping[str, str]) -> list[tuple[str, str]]:
    """Put each message on its input; returns the summary: (link target id or '', message)."""
    by_name: dict[str, Input | Group] = {}
    in_group: set[str] = set()
    for item in inputs:
        by_name[item.name] = item
        if isinstance(item, Group):
            by_name.update({i.name: i for i in item.inputs()})
            in_group.update(i.name for i in item.inputs())
    summary: list[tuple[str, str]] = []
    for key, message in errors.items():
        target = by_name.get(key)
        if target is None:
            summary.append(("", message))
            continue
        if target.error is None or target.error != message:
            target.error = message
        first = target.inputs()[0] if isinstance(target, Group) and target.inputs() else target
        # a row's message names its row already ("Doel 'Kratten wassen': kies een status.")
        label = "" if isinstance(target, Group) or key in in_group else target.label
        summary.append((first.id, named(label, message)))
    return summary


def named(label: str, message: str) -> str:
    """'Contracturen per week: dit veld is verplicht.': the summary says which field a message is about."""
    if not label or message.startswith(label):
        return message
    return f"{label}: {message[:1].lower()}{message[1:]}"
