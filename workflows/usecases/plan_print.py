"""The trajectplan as a document to print and sign (seed appendix 4, *Bijlage 4 Trajectplan*).

Built on the plan page's own view model (`PlanServices.plan_overview`, which also logs the
personal-data read; the download is logged as well), plus what only the paper needs: every signature of every version. What
the actor's role may not read (`plan_actions.hidden_fields`: JoB's money, interview notes) is
taken out here, so no template can show it by mistake. A plan whose candidate was erased has
no document any more: it is refused before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import select

from engine.errors import NotFound
from engine.spec import Actor
from engine.store.models import User
from workflows.domain import candidate_plan as plan
from workflows.domain.plan_actions import hidden_fields
from workflows.domain.rules import CoachingRules
from workflows.storage.models import Candidate
from workflows.storage.plan_models import PlanSignoff
from workflows.usecases import plan_records
from workflows.usecases.plan_services import PlanServices
from workflows.usecases.plan_views import EvaluationLine, PlanOverview

PRINTED = "trajectplan-pdf"  # the read log's entry for a downloaded copy


class CandidateErased(NotFound):
    """The plan's candidate was erased (AVG): the plan's document is gone with them."""


@dataclass(frozen=True)
class SignatureLine:
    round: int
    document: str
    party: str
    signed_on: date
    recorded_by: str | None  # who put it in the system (the candidate signs on paper, JoB records it)

    @property
    def document_label(self) -> str:
        return plan.DOCUMENTS.get(self.document, self.document)

    @property
    def party_label(self) -> str:
        return plan.PARTIES.get(self.party, self.party)


@dataclass(frozen=True)
class TrajectplanDocument:
    overview: PlanOverview
    signatures: tuple[SignatureLine, ...]  # every version, oldest first
    rules: CoachingRules
    hidden: frozenset[str]  # what this reader's role may not see (the page's rule)
    today: date

    @property
    def goal_text(self) -> dict[int, str]:
        return {g.id: g.specific for g in self.overview.goals}


_EVALUATION_FIELDS = {f.name for f in fields(EvaluationLine)}


class PlanPrint(PlanServices):
    def trajectplan(self, actor: Actor, case_id: int) -> TrajectplanDocument:
        """The plan as appendix 4 lays it out; CaseNotFound for a plan the actor may not see."""
        with self.services.db.read() as s:
            case = self._load(s, actor, case_id)  # the access policy: invisible = not there
            person = s.get(Candidate, case.data["candidate_id"])
            if person is None or person.erased_at is not None:
                raise CandidateErased("De kandidaat van dit plan is gewist: het trajectplan bestaat niet meer.")
            rows = s.execute(select(PlanSignoff, User.name).outerjoin(User, User.id == PlanSignoff.recorded_by_id)
                             .where(PlanSignoff.plan_case_id == case.id)
                             .order_by(PlanSignoff.round, PlanSignoff.signed_on, PlanSignoff.id)).all()
            signatures = tuple(SignatureLine(r.round, r.document, r.party, r.signed_on, name) for r, name in rows)
            rules = plan_records.rules_of(s, self._today())  # the settings valid on the print date
            data = dict(case.data)
        overview = self.plan_overview(actor, case_id)  # logs the read, as the page does
        self.services.log_read(actor, case_id, plan.NAME, data, PRINTED)  # and that a copy left the system
        hidden = hidden_fields(actor.role)
        blank = {name: None for name in hidden & _EVALUATION_FIELDS}
        if blank:
            overview = replace(overview, evaluations=tuple(replace(e, **blank) for e in overview.evaluations))
        return TrajectplanDocument(overview, signatures, rules, hidden, self._today())
