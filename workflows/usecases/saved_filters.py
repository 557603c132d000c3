"""Saved filters: a person names the filter and sort of a list and finds them again there.

A saved filter is the list's query string (its filters and `sorteer`/`richting`), kept for
one user; nobody else sees, uses or deletes it (someone else's filter behaves as one that does
not exist). The list checks the parameters again whenever the filter is applied, so a saved
filter never gets around a list's own rules and new filter parameters need no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import bindparam, func, select

from engine.errors import InvalidPayload, NotFound
from engine.services import Services
from engine.spec import Actor
from engine.store.driver_sql import DriverStatement
from workflows.storage.list_models import SavedFilter

# The lists with saved filters: key (in URLs and rows) -> their name on screen.
LISTS: dict[str, str] = {
    "taken": "Mijn taken",
    "wachtrij": "Wachtrij",
    "archief": "Archief",
    "bedrijven": "Bedrijven",
    "kandidaten": "Kandidaten",
}
MAX_NAME = 80
MAX_QUERY = 1000
MAX_PER_LIST = 50
NOT_FOUND = "Dit opgeslagen filter bestaat niet of is niet van u."
MAX_ID = 2**31 - 1  # saved_filter.id is an INTEGER: a larger number is simply not there
_KEY = re.compile(r"^[a-z_]{1,32}$")
# A page number is not part of a filter; free search text is not kept either: it may be a
# candidate's name, which is personal data that lives sealed, and only there.
_SKIPPED = {"pagina", "csrf_token"}
FREE_TEXT = {"zoek", "q"}


@dataclass(frozen=True)
class SavedLine:
    id: int
    name: str
    query: str


def clean_query(raw: object) -> str:
    """The list parameters worth keeping, re-encoded: simple keys, short values, no page number
    and no free search text."""
    pairs = parse_qsl(raw if isinstance(raw, str) else "", keep_blank_values=False)
    kept = [(k, v) for k, v in pairs if _KEY.match(k) and k not in _SKIPPED | FREE_TEXT and len(v) <= 200]
    return urlencode(kept)[:MAX_QUERY]


# Every list page shows the person's saved filters: the statement is built and compiled once.
_MINE = DriverStatement(
    select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
    .where(SavedFilter.user_id == bindparam("user_id"), SavedFilter.list_key == bindparam("list_key"))
    .order_by(func.lower(SavedFilter.name), SavedFilter.id))


class SavedFilters:
    def __init__(self, services: Services) -> None:
        self.services = services

    @staticmethod
    def _owner(actor: Actor) -> int:
        if actor.user_id is None:
            raise NotFound(NOT_FOUND)
        return actor.user_id

    def mine(self, actor: Actor, list_key: str) -> list[SavedLine]:
        """My saved filters of one list, by name."""
        if actor.user_id is None or list_key not in LISTS:
            return []
        with self.services.db.read() as s:
            rows = _MINE.mappings(s, {"user_id": actor.user_id, "list_key": list_key})
        return [SavedLine(r["id"], r["name"], r["query"]) for r in rows]

    def save(self, actor: Actor, list_key: str, name: object, query: object) -> int:
        """Keep the list's current filter and sort under a name; refused in Dutch, nothing written."""
        owner = self._owner(actor)
        if list_key not in LISTS:
            raise NotFound("Deze lijst bestaat niet.")
        text = " ".join(name.split()) if isinstance(name, str) else ""
        if not text:
            raise InvalidPayload({"name": "Geef het filter een naam."})
        if len(text) > MAX_NAME:
            raise InvalidPayload({"name": f"De naam is te lang (hoogstens {MAX_NAME} tekens)."})
        cleaned = clean_query(query)
        with self.services.db.write() as s:
            mine = select(SavedFilter.name).where(SavedFilter.user_id == owner, SavedFilter.list_key == list_key)
            names = {n.lower() for n in s.scalars(mine)}
            if text.lower() in names:
                raise InvalidPayload({"name": "U heeft al een filter met deze naam bij deze lijst; kies een andere naam."})
            if len(names) >= MAX_PER_LIST:
                raise InvalidPayload({"name": f"U kunt hoogstens {MAX_PER_LIST} filters per lijst bewaren; "
                                              "verwijder er eerst een."})
            row = SavedFilter(user_id=owner, list_key=list_key, name=text, query=cleaned,
                              created_at=self.services.clock.now())
            s.add(row)
            s.flush()
            return row.id

    def get(self, actor: Actor, filter_id: object) -> tuple[str, str]:
        """(list key, query string) of one of my filters; anyone else's is NotFound."""
        owner = self._owner(actor)
        if not isinstance(filter_id, int) or isinstance(filter_id, bool) or not 1 <= filter_id <= MAX_ID:
            raise NotFound(NOT_FOUND)
        with self.services.db.read() as s:
            row = s.get(SavedFilter, filter_id)
            if row is None or row.user_id != owner:
                raise NotFound(NOT_FOUND)
            return row.list_key, row.query

    def delete(self, actor: Actor, filter_id: object) -> tuple[str, str]:
        """Delete one of my filters; returns its list key and name (for the message)."""
        owner = self._owner(actor)
        if not isinstance(filter_id, int) or isinstance(filter_id, bool) or not 1 <= filter_id <= MAX_ID:
            raise NotFound(NOT_FOUND)
        with self.services.db.write() as s:
            row = s.get(SavedFilter, filter_id)
            if row is None or row.user_id != owner:
                raise NotFound(NOT_FOUND)
            key, name = row.list_key, row.name
            s.delete(row)
            return key, name
