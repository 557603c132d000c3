"""Access to the per-app engine services from views (no module-level globals)."""

from __future__ import annotations

from flask import current_app

from engine.services import Services


def services() -> Services:
    return current_app.extensions["jobtraject"]
