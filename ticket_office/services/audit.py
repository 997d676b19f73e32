"""Audit events, written in the same transaction as the change they record."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_INSERT = text(
    "INSERT INTO audit_events (operator_id, kind, subject, details) "
    "VALUES (:operator_id, :kind, :subject, CAST(:details AS jsonb))"
)


def record(
    session: Session,
    kind: str,
    *,
    operator_id: int | None,
    subject: str | None = None,
    **details: Any,
) -> None:
    session.execute(
        _INSERT,
        {
            "operator_id": operator_id,
            "kind": kind,
            "subject": subject,
            "details": json.dumps(details, default=str),
        },
    )
