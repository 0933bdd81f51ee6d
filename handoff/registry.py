"""Volunteer registry rules: which fields are valid and how one-time invite codes look.

The SQL is in `bot/storage/sql/registry.py`; this module knows no database.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from handoff.model import ROLES, HandoffError

# Invite codes: no 0/O, 1/I/L, so they can be read out over the phone.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def invite_hash(code: str) -> str:
    """Only a hash of an invite code is stored; the code itself is shown once."""
    normal = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def new_code() -> str:
    """A fresh one-time code like 'K7QM-3XPD'."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def check_fields(role: str, name: str, max_active: int) -> None:
    """Refuse values that would break routing; messages name the field."""
    if role not in ROLES:
        raise HandoffError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip() or len(name) > 40:
        raise HandoffError("name must be 1 to 40 characters")
    if max_active < 1:
        raise HandoffError("max must be at least 1")


def clean_topics(topics: Iterable[str]) -> list[str]:
    """Topics as stored: trimmed, lower case, each once, sorted."""
    return sorted({t.strip().lower() for t in topics if t.strip()})
