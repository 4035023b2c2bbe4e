"""Placeholder: filled in by the roadmap work."""

from __future__ import annotations

from aiogram import Router


def router() -> Router:
    return Router(name="roadmap")
