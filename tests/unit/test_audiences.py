"""The routers are grouped by audience: each audience router carries its role filter, once, on
messages and callbacks; no router inside carries a role filter of its own; and the refusal of a
press meant for another audience comes right after the staff audiences."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.telegram import TelegramEventObserver

from bot.filters import HasRole
from bot.handlers import audiences, build_routers, citizen_router, staff_routers


def _role_filters(observer: TelegramEventObserver) -> list[str]:
    """The roles a router's own filters ask for (aiogram keeps them on `_handler`)."""
    return [
        f.callback.role for f in observer._handler.filters or () if isinstance(f.callback, HasRole)
    ]


def _inside(router: Router) -> Iterator[Router]:
    for child in router.sub_routers:
        yield child
        yield from _inside(child)


def test_each_audience_router_has_its_role_filter() -> None:
    routers = [*staff_routers(), citizen_router()]
    assert sorted(r.name for r in routers) == sorted(audiences.AUDIENCES)
    for router in routers:
        assert _role_filters(router.message) == [router.name], router.name
        assert _role_filters(router.callback_query) == [router.name], router.name
        assert router.sub_routers, router.name


def test_no_router_or_handler_inside_an_audience_checks_a_role_again() -> None:
    for audience in [*staff_routers(), citizen_router()]:
        for router in _inside(audience):
            for observer in (router.message, router.callback_query):
                assert _role_filters(observer) == [], (audience.name, router.name)
                for handler in observer.handlers:
                    roles = [f for f in handler.filters or () if isinstance(f.callback, HasRole)]
                    assert roles == [], (audience.name, router.name, handler.callback.__name__)


def test_the_refusal_follows_the_staff_audiences() -> None:
    names = [r.name for r in build_routers()]
    at = names.index("audience_refusal")
    assert names[at - 3 : at] == ["admin", "assistant", "supervisor"]
    assert names[at + 1] == "citizen"
    assert names[-1] == "fallback"


def test_the_refusal_knows_each_staff_audiences_buttons() -> None:
    refusal = audiences.MeantForOthers(staff_routers())
    prefixes = {role: found for _router, role, found in refusal.audiences}
    assert prefixes["admin"] is not None and {"ad", "iv", "pl", "su"} <= prefixes["admin"]
    assert prefixes["assistant"] is not None and {"a", "jb", "rm", "vc"} <= prefixes["assistant"]
    assert prefixes["supervisor"] is not None and {"su", "dd", "rp", "sv"} <= prefixes["supervisor"]
    # The citizens' own buttons are not the assistants' (the reply and the job's confirmation).
    assert "c" not in prefixes["assistant"]


def test_a_non_assistant_typing_an_assistant_menu_entry_is_told_so() -> None:
    refusal = audiences.MenuOfOthers(staff_routers())
    assert refusal.menus == [("assistant", {"a_cases", "a_overdue", "a_job", "a_today", "a_vac"})]
