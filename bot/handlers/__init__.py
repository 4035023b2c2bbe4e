"""The routers, grouped by audience; each built by a function so tests can build fresh
dispatchers.

One router per audience (citizen, assistant, supervisor, admin) carries its role filter once
(`bot.handlers.audiences`); the module routers inside check only ids against the person. A
button of an audience the user does not hold is refused in one place, right after the staff
audiences.
"""

from __future__ import annotations

from aiogram import Router

from bot.handlers import (
    admin,
    assistant_cases,
    audiences,
    basics,
    case_media,
    consent_gate,
    dialog,
    digests,
    fallback,
    ledger,
    my_cases,
    places,
    questionnaire,
    recovery,
    registration,
    roadmap,
    settings,
    start,
    supervisor,
    vacancies,
)


def staff_routers() -> list[Router]:
    """The admin, assistant and supervisor audiences. Announcements are built into both the
    admin's and the supervisor's: either role may announce."""
    return [
        audiences.audience("admin", admin.router(), supervisor.announce_router()),
        audiences.audience(
            "assistant",
            assistant_cases.router(),
            case_media.assistant_router(),
            roadmap.router(),
            ledger.router(),
            vacancies.assistant_router(),
        ),
        audiences.audience(
            "supervisor", supervisor.router(), supervisor.announce_router(), digests.router()
        ),
    ]


def citizen_router() -> Router:
    """Everyone's: registration, settings, requests, their cases, replies and vacancies."""
    return audiences.audience(
        "citizen",
        assistant_cases.reply_router(),
        case_media.router(),
        ledger.confirm_router(),
        registration.router(),
        settings.router(),
        questionnaire.router(),
        vacancies.citizen_router(),
        my_cases.router(),
    )


def build_routers() -> list[Router]:
    """In priority order: an update a crash cut off after its commit, shown where it stands;
    commands that work in any state; the staff audiences; the one
    refusal of a press meant for an audience the user does not hold (before anything that
    takes any press); the citizens'; the shared tail with the catch-all last."""
    staff = staff_routers()
    return [
        recovery.router(),
        consent_gate.router(),
        start.router(),
        basics.router(),
        dialog.menu_router(),
        *staff,
        audiences.refusal_router(staff),
        citizen_router(),
        places.router(),
        dialog.router(),
        fallback.router(),
    ]
