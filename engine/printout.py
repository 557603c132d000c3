"""A workflow's whole table as Markdown a domain expert can review (`jobtraject workflows show`).

States, the actions people take (who, from which phases, what must hold first, which fields,
which transition, whether it can be undone), what the system does on its own (the calendar's
transitions and timers) and the tasks with the action that closes each one. Generated rows
(a comprehension over milestones) print as the plain rows they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from engine.actions import Action
from engine.registry import CompiledWorkflow
from engine.spec import ANY_STATE, SYSTEM, Guard, TaskSpec, WorkingDays


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    head = list(head)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _guard(g: Guard) -> str:
    doc = g.reason.__doc__ if callable(g.reason) and g.reason.__doc__ else g.fn.__doc__
    reason = g.reason if isinstance(g.reason, str) else (doc or "").strip().split("\n")[0]
    return f"`{g.name}`" + (f": {reason}" if reason else "")


def _when(rule: Any) -> str:
    if rule is None:
        return "—"
    if isinstance(rule, WorkingDays):
        return f"{rule.days} werkdagen"
    if isinstance(rule, timedelta):
        days = rule.total_seconds() / 86400
        return f"{days:g} dagen"
    doc = (getattr(rule, "__doc__", None) or "").strip().split("\n")[0]
    return f"`{getattr(rule, '__name__', 'berekend')}`" + (f" ({doc})" if doc else "")


def _states(sources: Iterable[str], all_open: set[str]) -> str:
    names = list(dict.fromkeys(sources))
    if set(names) >= all_open and len(all_open) > 3:
        extra = [n for n in names if n not in all_open]
        return "elke open fase" + (", " + ", ".join(extra) if extra else "")
    return ", ".join(names)


def _fields(action: Action) -> str:
    if action.fields is None:
        return "(gecontroleerd door de overgang)"
    if not action.fields:
        return "—"
    return "; ".join(f"`{f.name}`{'*' if f.required else ''} {f.label} [{f.concept.name}]" for f in action.fields)


def render(compiled: CompiledWorkflow) -> str:
    wf = compiled.spec
    table = compiled.actions
    assert table is not None
    open_states = {s.name for s in wf.states if not s.final}
    out = [f"# {wf.label} (`{wf.name}` v{wf.version})", "", wf.description, "", "## States", ""]
    out += _table(("state", "label", "description", ""), (
        (f"`{s.name}`", s.label, s.description, "start" if s.initial else "einde" if s.final else "")
        for s in wf.states))

    people = [a for a in table.by_name.values() if a.roles]
    out += ["", "## Actions (what people do)", "",
            "Fields marked * are required. Preconditions are checked before anything is written.", ""]
    rows = []
    for a in people:
        branches = [t for t in wf.transitions if t.trigger == a.trigger]
        sources = [src for t in branches for src in t.sources(wf.states)]
        reflexive = all(t.dest in (None, *t.sources(wf.states)) for t in branches)
        dests = ["(blijft)"] if reflexive else sorted({t.dest for t in branches if t.dest})
        checks = [*a.preconditions, *{g.name: g for t in branches for g in t.guards}.values()]
        rows.append((f"`{a.name}`", a.label, ", ".join(a.roles), _states(sources, open_states),
                     f"`{a.trigger}` → {', '.join(dests)}", "<br>".join(_guard(g) for g in checks) or "—",
                     _fields(a), "ja" if a.irreversible else "", "ja" if a.records else ""))
    out += _table(("action", "label", "who", "from", "transition", "only if", "fields", "cannot be undone",
                   "writes rows"), rows)

    system = [t for t in wf.transitions if t.by == (SYSTEM,)]
    out += ["", "## What the system does on its own", ""]
    out += _table(("trigger", "label", "from", "to"), (
        (f"`{t.trigger}`", t.label, _states(t.sources(wf.states), open_states), t.dest or "(blijft)")
        for t in system))
    out += ["", "## Timers", ""]
    out += _table(("timer", "in state", "fires", "when"), (
        (f"`{tm.name or tm.fire}`", tm.in_state, f"`{tm.fire}`", _when(tm.after)) for tm in wf.timers))
    out += ["", "## Tasks", "",
            "Standing tasks (state `*`) are open exactly while their condition holds; a task with an action "
            "closes when that action is performed and cannot be ticked off by hand.", ""]
    out += _table(("task", "state", "role", "title", "due", "closed by"), (
        (f"`{t.task_key}`", t.on_enter if t.on_enter != ANY_STATE else "*", t.role, t.title, _when(t.due),
         _closed_by(t, table)) for t in wf.tasks))
    return "\n".join(out) + "\n"


def _closed_by(t: TaskSpec, table: Any) -> str:
    if t.action:
        action = table.get(t.action)
        return f"actie `{t.action}`" + (f" ({action.label})" if action else "")
    if t.when is not None:
        return f"vanzelf (`{getattr(t.when, '__name__', 'voorwaarde')}`)"
    return "afvinken, of de fase verlaten"
