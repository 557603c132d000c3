"""Errors the engine raises. Each leaves the database exactly as it was.

Messages are Dutch because they reach users unchanged; the class says what went wrong
for code (the web UI and API map classes to status codes).
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class: a use case was refused; nothing was written."""

    code = "engine_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class CaseNotFound(EngineError):
    code = "not_found"

    def __init__(self, case_id: object) -> None:
        super().__init__("Deze zaak bestaat niet of u heeft er geen toegang toe.", case_id=case_id)


class NotFound(EngineError):
    """Any other unknown or invisible id (task, timer, user)."""

    code = "not_found"


class UnknownTrigger(EngineError):
    code = "unknown_trigger"


class TransitionNotAllowed(EngineError):
    """The trigger exists but not from the case's current state."""

    code = "transition_not_allowed"

    def __init__(self, trigger: str, state: str, allowed: list[str], state_label: str = "") -> None:
        label = state_label or state
        allowed_text = ", ".join(allowed) if allowed else "geen"
        super().__init__(
            f"Actie '{trigger}' is niet mogelijk in fase '{label}'. Mogelijk: {allowed_text}.",
            trigger=trigger,
            state=state,
            allowed=allowed,
        )
        self.state = state
        self.allowed = allowed


class GuardRejected(EngineError):
    """A guard said no; `reason` says, in Dutch, what is missing."""

    code = "guard_rejected"

    def __init__(self, trigger: str, reason: str, guard: str = "") -> None:
        super().__init__(reason, trigger=trigger, guard=guard)
        self.reason = reason


class StartRefused(EngineError):
    """The workflow is only started by an action in another case (e.g. a plan by a hire)."""

    code = "start_refused"


class InvalidPayload(EngineError):
    """The data sent with a transition is malformed; `errors` maps field -> Dutch message."""

    code = "invalid_payload"

    def __init__(self, errors: dict[str, str], message: str = "De ingevoerde gegevens kloppen niet.") -> None:
        super().__init__(message, errors=errors)
        self.errors = errors


class NotPermitted(EngineError):
    code = "not_permitted"

    def __init__(self, message: str = "U mag deze actie niet uitvoeren.", **details: object) -> None:
        super().__init__(message, **details)


class StaleCase(EngineError):
    """Someone else changed the case after the caller read it."""

    code = "stale"

    def __init__(self, case_id: object, expected: int | None = None, actual: int | None = None) -> None:
        super().__init__(
            "Iemand anders heeft deze zaak net gewijzigd. Bekijk de nieuwe stand en probeer het opnieuw.",
            case_id=case_id,
            expected=expected,
            actual=actual,
        )


class DatabaseBusy(Exception):
    """The database could not be reached or locked in time; nothing was written.

    Deliberately not an `EngineError`: a refused use case becomes a form error or a flash,
    but a busy database must always reach the person as "probeer het opnieuw" (HTTP 503),
    never as a form error or a redirect that looks like success. Same `code`/`message`/
    `details` shape, so the API renders it like any other error.
    """

    code = "busy"

    def __init__(self, message: str = "Het systeem is even druk of niet bereikbaar. Probeer het opnieuw.",
                 **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class DatabaseUnavailable(DatabaseBusy):
    """The database is down, restarting, full or read-only; nothing was written.

    A DatabaseBusy (same `code`, so the API answers 503 too), so every caller that retries a
    busy database (sweeps) also waits this out; `reason` says which: down, full or readonly.
    """

    MESSAGES = {
        "down": "De database is even niet bereikbaar. Er is niets opgeslagen; probeer het opnieuw.",
        "full": "De opslag van het systeem is vol. Er is niets opgeslagen; probeer het later opnieuw.",
        "readonly": "Het systeem kan nu niets opslaan. Er is niets opgeslagen; probeer het later opnieuw.",
    }

    def __init__(self, reason: str = "down") -> None:
        super().__init__(self.MESSAGES.get(reason, self.MESSAGES["down"]), reason=reason)
        self.reason = reason


class WorkflowDefinitionError(Exception):
    """A workflow table is inconsistent; raised at registry time, never at run time."""
