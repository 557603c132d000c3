"""Who must log in with a second factor, and who may read the read-access log.

JoB, WSP and administrators see many people's data: for them a second factor (TOTP) is
required. Employers and Harries see only their own company and may turn it on.
"""

from __future__ import annotations

from workflows.roles import ADMIN, JOB, WSP

SECOND_FACTOR_ROLES: frozenset[str] = frozenset({JOB, WSP, ADMIN})
# The candidate's coach organisation and the administrators see who read a candidate's data.
READ_LOG_ROLES: frozenset[str] = frozenset({JOB, ADMIN})
