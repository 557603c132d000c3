"""Notes and documents on a case: who sees them, what may be uploaded, and the Dutch messages.

Pure rules (no database, no file sniffing): the use cases in `workflows.usecases.casework`
ask these before anything is written, so refused input leaves the database unchanged.
"""

from __future__ import annotations

from workflows.domain.roles import ADMIN, JOB
from workflows.domain.security import BSN_MESSAGE, contains_bsn

# Who may read a note or document: JoB (coaches and administrators) only, or every party
# that may see the case (WSP, employer, Harrie).
JOB_ONLY = "job"
ALL_PARTIES = "all"
VISIBILITY = {JOB_ONLY: "Alleen JoB", ALL_PARTIES: "Alle betrokkenen bij deze zaak"}
JOB_ROLES = frozenset({JOB, ADMIN})

NOTE_MAX_CHARS = 10_000
FILENAME_MAX_CHARS = 200
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Types accepted, as libmagic names them from the content: MIME type -> (label, extension).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "application/pdf": ("PDF", "pdf"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word (DOCX)", "docx"),
    "application/vnd.oasis.opendocument.text": ("OpenDocument-tekst (ODT)", "odt"),
    "image/png": ("PNG-afbeelding", "png"),
    "image/jpeg": ("JPEG-afbeelding", "jpg"),
    "image/gif": ("GIF-afbeelding", "gif"),
    "image/webp": ("WebP-afbeelding", "webp"),
}
TYPES_SENTENCE = "PDF, Word (DOCX), OpenDocument (ODT) of een afbeelding (PNG, JPEG, GIF, WebP)"


def may_read(role: str | None, visibility: str) -> bool:
    """JoB-only items are for JoB's own people; the case's own access check comes first."""
    return visibility == ALL_PARTIES or role in JOB_ROLES


def visibility_choices(role: str | None) -> list[tuple[str, str]]:
    """Other parties write for everyone on the case: a JoB-only note would hide from its author."""
    if role in JOB_ROLES:
        return [(JOB_ONLY, VISIBILITY[JOB_ONLY]), (ALL_PARTIES, VISIBILITY[ALL_PARTIES])]
    return [(ALL_PARTIES, VISIBILITY[ALL_PARTIES])]


def clean_visibility(role: str | None, value: object) -> tuple[str | None, str | None]:
    """(visibility, error)."""
    if value not in dict(visibility_choices(role)):
        return None, "Kies wie deze notitie of dit document mag zien."
    return str(value), None


def clean_note_text(value: object) -> tuple[str | None, str | None]:
    """(text, error): not empty, not too long, no BSN."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None, "Schrijf een notitie; een lege notitie wordt niet bewaard."
    if len(text) > NOTE_MAX_CHARS:
        return None, f"Een notitie is hoogstens {NOTE_MAX_CHARS:,} tekens lang.".replace(",", ".")
    if "\x00" in text:
        return None, "De notitie bevat een ongeldig teken."
    if contains_bsn(text):
        return None, BSN_MESSAGE
    return text, None


def clean_filename(value: object) -> tuple[str | None, str | None]:
    """(name, error): a plain file name, never a path (no / or \\, no '..', no control characters)."""
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        return None, "Kies een bestand om te uploaden."
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        return None, "De bestandsnaam mag geen map of pad bevatten (geen / of \\). Geef het bestand een gewone naam."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return None, "De bestandsnaam bevat ongeldige tekens."
    if len(name) > FILENAME_MAX_CHARS:
        return None, f"De bestandsnaam is te lang (hoogstens {FILENAME_MAX_CHARS} tekens)."
    return name, None


def clean_size(size: int, max_bytes: int) -> str | None:
    """An error for an empty or too large file, else None."""
    if size <= 0:
        return "Het bestand is leeg. Kies een bestand met inhoud."
    if size > max_bytes:
        return f"Het bestand is te groot: hoogstens {human_size(max_bytes)}."
    return None


def clean_type(detected: str) -> str | None:
    """An error when the content (not the name) is not one of the accepted types."""
    if detected in ALLOWED_TYPES:
        return None
    return f"Dit soort bestand kan niet worden opgeslagen. Toegestaan: {TYPES_SENTENCE}."


def human_size(size: int) -> str:
    """10485760 -> '10 MiB', 2048 -> '2 KiB', 17 -> '17 bytes' (Dutch decimal comma)."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text.replace('.', ',')} {unit}"
    return f"{size} bytes"
