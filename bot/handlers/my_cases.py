"""Placeholder: filled in by the my_cases work."""

from __future__ import annotations

from aiogram import Router


def router() -> Router:
    return Router(name="my_cases")
