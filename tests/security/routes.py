"""Every route of the app, with its path arguments filled from real rows.

Generic over `app.url_map`, so pages added later are covered without changing the tests:
an argument named `case_id` gets a case id, `task_id` a task of that organisation's
cases, `candidate_id` a candidate of its plans, `company_id`/`organisation_id` the
organisation itself, and any other `<name>_id` the id of a row of the table whose name
ends in `name` that belongs to those cases (or an id that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select, text

from engine.store.db import Base, Database
from engine.store.models import Case, Organisation, Task
from workflows.storage.models import Candidate

SKIP_METHODS = {"HEAD", "OPTIONS"}
# Tables a request may touch legitimately without changing anything a user owns.
VOLATILE_TABLES = {"user_session", "api_token", "login_failure"}


@dataclass(frozen=True)
class Probe:
    endpoint: str
    method: str
    url: str
    note: str


def is_api(rule_path: str) -> bool:
    return rule_path.startswith("/api/")


def org_ids(db: Database, organisation_name: str) -> dict[str, list[int]]:
    """Ids of rows that belong to one organisation, by path-argument name."""
    with db.read() as s:
        org = s.scalars(select(Organisation).where(Organisation.name == organisation_name)).one()
        cases = s.scalars(select(Case).where(Case.organisation_id == org.id).order_by(Case.id)).all()
        case_ids = [c.id for c in cases]
        ids: dict[str, list[int]] = {
            "case_id": case_ids,
            "plan_id": [c.id for c in cases if c.workflow == "candidate_plan"],
            "task_id": list(s.scalars(select(Task.id).where(Task.case_id.in_(case_ids)).order_by(Task.id).limit(3))),
            "candidate_id": sorted({c.data["candidate_id"] for c in cases if (c.data or {}).get("candidate_id")}),
            "company_id": [org.id],
            "organisation_id": [org.id],
            "org_id": [org.id],
            "employer_id": [org.id],
        }
        for table in Base.metadata.sorted_tables:
            cols = table.c
            link = next((cols[n] for n in ("plan_case_id", "case_id") if n in cols), None)
            if "id" not in cols or link is None or not case_ids:
                continue
            rows = s.execute(select(cols["id"]).where(link.in_(case_ids)).order_by(cols["id"]).limit(2)).scalars()
            ids[f"table:{table.name}"] = list(rows)
    return ids


def _fill(name: str, ids: dict[str, list[int]]) -> int | str:
    if name in ids and ids[name]:
        return ids[name][0]
    if name.endswith("_id"):
        stem = name[:-3]
        for key, values in ids.items():
            if key.startswith("table:") and key.endswith(stem) and values:
                return values[0]
        return 987654  # no such row at all: still must be a 404
    if name == "trigger":
        return "stop"
    if name == "version":  # a document's version number
        return 1
    return "x"


def probes(app: Flask, ids: dict[str, list[int]], own: dict[str, list[int]] | None = None,
           *, api: bool = False) -> Iterator[Probe]:
    """One request per (route, method) with the other organisation's ids; with `own`, also
    every mix of own parent id and foreign child id for routes with two or more ids."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or is_api(rule.rule) != api:
            continue
        args = sorted(rule.arguments)
        id_args = [a for a in args if a.endswith("_id")]
        if not id_args:
            continue
        variants = [(dict((a, _fill(a, ids)) for a in args), "foreign ids")]
        if own is not None and len(id_args) > 1:
            for keep in id_args:  # one argument from the user's own rows, the rest foreign
                mixed = {a: _fill(a, own if a == keep else ids) for a in args}
                variants.append((mixed, f"own {keep}, foreign others"))
        if "case_id" in args:
            for case_id in ids.get("case_id", [])[1:]:
                variants.append(({**variants[0][0], "case_id": case_id}, f"case {case_id}"))
        for values, note in variants:
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - SKIP_METHODS):
                yield Probe(rule.endpoint, method, url, note)


def post_routes(app: Flask, ids: dict[str, list[int]], *, api: bool = False) -> Iterator[Probe]:
    """Every route that accepts a state-changing method, with the given ids."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or is_api(rule.rule) != api:
            continue
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{a: _fill(a, ids) for a in rule.arguments})
        for method in sorted(methods):
            yield Probe(rule.endpoint, method, url, "")


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table a user's request could change."""
    out: dict[str, list[tuple]] = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            rows = s.execute(text(f'SELECT * FROM "{table.name}"')).all()  # noqa: S608 - table names from metadata
            out[table.name] = sorted(tuple(map(str, r)) for r in rows)
    return out


def candidates_of(db: Database, candidate_ids: list[int]) -> list[Candidate]:
    with db.read() as s:
        return list(s.scalars(select(Candidate).where(Candidate.id.in_(candidate_ids))))


MISSING_ID = 987654321


def nonexistent(url: str, ids: dict[str, list[int]]) -> str:
    """The same URL with every id of `ids` replaced by one that exists nowhere."""
    import re

    known = {str(v) for values in ids.values() for v in values} | {"987654"}
    return re.sub(r"(?<=/)(\d+)(?=/|$)", lambda m: str(MISSING_ID) if m.group(1) in known else m.group(1), url)
