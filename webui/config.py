"""Configuration from environment variables, with safe defaults for a local SQLite run.

Every variable is documented in docs/operations.md (Configuration).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from engine.private_files import private_dir, private_file


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else a random key kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    private_dir(instance_path)
    key = secrets.token_hex(32)
    private_file(key_file).write_text(key)  # 0600 before the key is in it
    return key


def from_environment(instance_path: Path) -> dict[str, Any]:
    private_dir(instance_path)  # 0700: it holds the secret key and, by default, the database
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'jobtraject.db'}"),
        "SECRET_KEY": _secret_key(instance_path),
        # The master key of candidates' data keys: back it up apart from the database (README).
        "DATA_KEY_FILE": os.environ.get("DATA_KEY_FILE") or str(instance_path / "data_key"),
        "BASE_URL": base_url,
        "SMTP_HOST": os.environ.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_SSL": _bool("SMTP_SSL", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "jobtraject <noreply@jobtraject.local>"),
        # Secure cookies (and HSTS) whenever the site is reached over https.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", base_url.startswith("https://")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # the upload route alone allows DOCUMENT_MAX_BYTES more
        "DOCUMENT_MAX_BYTES": int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "30")),
        "SCHEDULER_INTERVAL_SECONDS": float(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "15")),
        "REMINDER_INTERVAL_SECONDS": float(os.environ.get("REMINDER_INTERVAL_SECONDS", "60")),
        "WORKER_STOP_GRACE_SECONDS": float(os.environ.get("WORKER_STOP_GRACE_SECONDS", "20")),
        "TIMER_LEASE_SECONDS": float(os.environ.get("TIMER_LEASE_SECONDS", "120")),
        "TIMER_MAX_ATTEMPTS": int(os.environ.get("TIMER_MAX_ATTEMPTS", "5")),
        "MAIL_LEASE_SECONDS": float(os.environ.get("MAIL_LEASE_SECONDS", "300")),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "ESCALATION_WORKING_DAYS": int(os.environ.get("ESCALATION_WORKING_DAYS", "3")),
        "DIGEST_HOUR": int(os.environ.get("DIGEST_HOUR", "7")),
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000")),
        "HEALTH_MAX_HEARTBEAT_AGE_SECONDS": float(os.environ.get("HEALTH_MAX_HEARTBEAT_AGE_SECONDS", "0")),
        # Security and privacy (docs/security.md).
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        "LOGIN_MAX_ACCOUNT_FAILURES": int(os.environ.get("LOGIN_MAX_ACCOUNT_FAILURES", "5")),
        "LOGIN_MAX_IP_FAILURES": int(os.environ.get("LOGIN_MAX_IP_FAILURES", "20")),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15")),
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "30")),
        "RETENTION_YEARS": int(os.environ.get("RETENTION_YEARS", "2")),
    }
