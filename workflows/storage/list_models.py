"""A person's saved filters: a name for a list's filter and sort, owned by one user.

Only the list's key and its query string are kept (the list checks them again when it is
shown), so a new filter on a list needs no change here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.db import Base
from engine.store.models import UtcDateTime


class SavedFilter(Base):
    __tablename__ = "saved_filter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    list_key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_saved_filter_owner", "user_id", "list_key", "name", unique=True),)
