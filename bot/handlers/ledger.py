"""Placeholder: filled in by the ledger work."""

from __future__ import annotations

from aiogram import Router


def router() -> Router:
    return Router(name="ledger")
