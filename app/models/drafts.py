"""Form drafts: what an operator typed and has not submitted, kept in the encrypted store (survives a crash)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables import Base, UtcDateTime


class DraftRow(Base):
    """One form's unsubmitted values (JSON of field name → text), per operator, form and case."""

    __tablename__ = "form_drafts"
    __table_args__ = (Index(None, "operator_id", "updated_at"),)

    operator_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    form_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(128), primary_key=True)  # "" for a new case
    fields: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
