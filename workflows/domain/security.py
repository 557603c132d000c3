"""Who must log in with a second factor, and who may read the read-access log.

JoB, WSP and administrators see many people's data: for them a second factor (TOTP) is
required. Employers and Harries see only their own company and may turn it on.
"""

from __future__ import annotations

import re

from workflows.domain.roles import ADMIN, JOB, WSP

SECOND_FACTOR_ROLES: frozenset[str] = frozenset({JOB, WSP, ADMIN})
# The candidate's coach organisation and the administrators see who read a candidate's data.
READ_LOG_ROLES: frozenset[str] = frozenset({JOB, ADMIN})

# Nine digits, optionally grouped by dots, spaces or dashes (123456782, 1234.56.782, 123 456 782).
_NINE_DIGITS = re.compile(r"(?<![\d.-])(\d(?:[ .-]?\d){8})(?![\d])")
BSN_MESSAGE = ("Vul hier geen burgerservicenummer (BSN) in: jobtraject bewaart geen BSN "
               "(AVG/UAVG). Haal het nummer uit de tekst.")


def elfproef(digits: str) -> bool:
    """The BSN check ("11-proef"): 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is a multiple of 11."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def contains_bsn(text: str | None) -> bool:
    """True when free text holds something that looks like a BSN (nine digits passing the 11-proef).

    The law allows a BSN only where a law prescribes it (UAVG art. 46); nothing here does.
    """
    if not text:
        return False
    return any(elfproef(re.sub(r"[ .-]", "", m.group(1))) for m in _NINE_DIGITS.finditer(text))
