"""Placeholder: filled in by the assistant_cases work."""

from __future__ import annotations

from aiogram import Router


def router() -> Router:
    return Router(name="assistant_cases")
