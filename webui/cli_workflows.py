"""`jobtraject workflows ...`: the workflow tables and moving running cases to a new version."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from engine.ops.case_migration import CaseOutcome, CasePlan, Change, migrate_cases, plan_migration
from webui.filters import nl_datetime

workflows = AppGroup("workflows", help="Workflow definitions and their versions.")

_KIND = {"added": "+", "removed": "-", "moved": "~"}
_WHAT = {"timer": "timer", "task": "taak"}


def _services():
    return current_app.extensions["jobtraject"]


def _change_line(c: Change) -> str:
    name = f"{_WHAT[c.what]} {c.name}" + (f" ({c.label})" if c.what == "task" and c.label != c.name else "")
    if c.kind == "added":
        when = f", vervalt {nl_datetime(c.new_due)}" if c.new_due else ""
        return f"  + {name}{when}"
    if c.kind == "removed":
        when = f" (viel {nl_datetime(c.old_due)})" if c.old_due else ""
        return f"  - {name}{when}"
    return f"  ~ {name}: {nl_datetime(c.old_due)} -> {nl_datetime(c.new_due)}"


def _plan_lines(plan: CasePlan) -> list[str]:
    if plan.refused:
        return [f"zaak {plan.case_id} ({plan.from_state}): GEWEIGERD - {plan.refused}"]
    move = plan.from_state if plan.to_state == plan.from_state else f"{plan.from_state} -> {plan.to_state}"
    lines = [f"zaak {plan.case_id}: fase {move}" + (", gegevens omgezet" if plan.data_changed else "")]
    lines += [_change_line(c) for c in sorted(plan.visible, key=lambda c: (c.what, c.kind, c.name))]
    kept = [f"{plan.kept(w)} {_WHAT[w]}(s)" for w in ("timer", "task") if plan.kept(w)]
    if kept:
        lines.append(f"  = ongewijzigd: {', '.join(kept)}")
    return lines


def _versions(name: str, from_version: int, to_version: int):
    registry = _services().registry
    try:
        return registry.migration(name, from_version, to_version)
    except KeyError:
        known = ", ".join(f"{m.workflow} {m.from_version}->{m.to_version}" for m in registry.migrations()) or "geen"
        raise click.ClickException(
            f"Er is geen migratie van {name} versie {from_version} naar {to_version} geregistreerd "
            f"(wel: {known})."
        ) from None


@workflows.command("migrate")
@click.argument("name")
@click.option("--from", "from_version", required=True, type=int, help="The version the cases run on now.")
@click.option("--to", "to_version", required=True, type=int, help="The version to move them to.")
@click.option("--dry-run", is_flag=True, help="Only list per case what would change; change nothing.")
def migrate(name: str, from_version: int, to_version: int, dry_run: bool) -> None:
    """Move running cases of NAME to a newer version, one transaction and audit row per case.

    Exit 1 when a case is (or would be) refused or fails: it stays on its old version.
    """
    migration = _versions(name, from_version, to_version)
    svc = _services()
    click.echo(f"Migratie {name} versie {from_version} -> {to_version}"
               + (f": {migration.description}" if migration.description else ""))
    if dry_run:
        plan = plan_migration(svc.db, svc.registry, name, from_version, to_version, svc.clock.now())
        for case_plan in plan.cases:
            for line in _plan_lines(case_plan):
                click.echo(line)
        refused = len(plan.refused)
        click.echo(f"Proefdraai: {len(plan.cases) - refused} zaak/zaken te migreren, {refused} geweigerd; "
                   "er is niets gewijzigd.")
        if refused:
            sys.exit(1)
        return
    outcomes: list[CaseOutcome] = migrate_cases(svc.db, svc.registry, name, from_version, to_version,
                                                svc.clock.now())
    for o in outcomes:
        if o.plan is not None and o.status in ("migrated", "refused"):
            lines = _plan_lines(o.plan)
        else:
            lines = [f"zaak {o.case_id}: {'OVERGESLAGEN' if o.status == 'skipped' else 'MISLUKT'} - {o.reason}"]
        for line in lines:
            click.echo(line)
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("migrated", "refused", "skipped", "failed")}
    click.echo(f"{counts['migrated']} zaak/zaken gemigreerd, {counts['refused']} geweigerd, "
               f"{counts['failed']} mislukt, {counts['skipped']} overgeslagen.")
    if counts["refused"] or counts["failed"]:
        sys.exit(1)


@workflows.command("show")
@click.argument("name")
@click.option("--version", "version", type=int, default=None, help="A version (default: the newest).")
def show(name: str, version: int | None) -> None:
    """Print a workflow's whole table as Markdown: states, actions, timers, tasks."""
    from engine.printout import render

    try:
        compiled = _services().registry.get(name, version)
    except KeyError:
        click.echo(f"Onbekend werkproces '{name}'" + (f" versie {version}" if version else "") + ".", err=True)
        sys.exit(1)
    click.echo(render(compiled), nl=False)
