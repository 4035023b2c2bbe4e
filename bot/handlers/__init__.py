"""Routers, one per module, each built by a function so tests can build fresh dispatchers."""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    admin,
    assistant_cases,
    basics,
    case_media,
    consent_gate,
    digests,
    fallback,
    ledger,
    my_cases,
    places,
    questionnaire,
    questionnaire_media,
    registration,
    roadmap,
    settings,
    start,
    state_guard,
    supervisor,
    vacancies,
)


def build_routers() -> list[Router]:
    """In priority order: commands that work in any state first, the catch-all last."""
    return [
        consent_gate.router(),
        start.router(),
        basics.router(),
        state_guard.menu_router(),
        admin.router(),
        assistant_cases.router(),
        case_media.router(),
        roadmap.router(),
        ledger.router(),
        registration.router(),
        settings.router(),
        questionnaire.router(),
        questionnaire_media.router(),
        vacancies.router(),
        my_cases.router(),
        supervisor.router(),
        places.router(),
        digests.router(),
        state_guard.router(),
        fallback.router(),
    ]
