"""Who may press what: one router per audience, each carrying its role filter once, and the one
refusal of a button meant for an audience the user is not in.

The four audiences are citizen, assistant, supervisor and admin (`Roles.names()`). Everyone is a
citizen; a person may hold several of the others. An audience router checks only the role:
the handlers inside still check every id against the person (this case is of their mahalla,
this place lies in their scope), since callback data comes from the client and can be forged.

A button of an audience the user does not hold — forged, or left on screen after the role
ended — is refused here, once: logged by internal id and callback data (ids and codes only,
never names or phones) and answered with a short alert. Which buttons belong to an audience is
read from its router's own handlers, so the refusal cannot drift from what the router takes.
A main-menu entry of the assistants typed by someone else is answered here too (the menus of
the other staff audiences get the fallback's "use the menu buttons").
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.filters import HasRole, MenuButton
from bot.i18n import N_
from bot.services.roles import Roles
from bot.views.keyboards.common import main_menu, menu_action_for
from db.models import User

__all__ = ["AUDIENCES", "MeantForOthers", "MenuOfOthers", "audience", "refusal_router"]

log = logging.getLogger(__name__)

AUDIENCES = ("citizen", "assistant", "supervisor", "admin")

#: What someone typing a main-menu entry of an audience they do not hold is told.
MENU_REFUSALS = {"assistant": N_("This menu is for mahalla assistants.")}


def audience(role: str, *children: Router) -> Router:
    """The audience's router: its role filter, once, on messages and callbacks; the module
    routers inside keep their order."""
    if role not in AUDIENCES:
        raise ValueError(f"unknown audience {role!r}")
    r = Router(name=role)
    r.message.filter(HasRole(role))
    r.callback_query.filter(HasRole(role))
    r.include_routers(*children)
    return r


def _prefixes(router: Router) -> set[str] | None:
    """The callback-data prefixes the router's handlers take; None when one of them takes
    callbacks of any prefix (then every press is looked at more closely)."""
    found: set[str] = set()
    for handler in router.callback_query.handlers:
        own = {
            f.callback.callback_data.__prefix__
            for f in handler.filters or ()
            if isinstance(f.callback, CallbackQueryFilter)
        }
        if not own:
            return None
        found |= own
    for child in router.sub_routers:
        inner = _prefixes(child)
        if inner is None:
            return None
        found |= inner
    return found


async def _takes(router: Router, query: CallbackQuery, data: dict[str, Any], top: bool) -> bool:
    """A handler of the router (or of a router inside it) would take the press, its role
    aside: the same filters aiogram runs, on the same data."""
    observer = router.callback_query
    if not top:
        # A router's own filters (`router.callback_query.filter(...)`); aiogram keeps them on
        # the observer's `_handler` (aiogram is pinned, see pyproject.toml).
        passed, data = await observer._handler.check(query, **data)
        if not passed:
            return False
    for handler in observer.handlers:
        passed, _data = await handler.check(query, **data)
        if passed:
            return True
    for child in router.sub_routers:
        if await _takes(child, query, data, top=False):
            return True
    return False


class MeantForOthers(Filter):
    """The press belongs to an audience the user does not hold; passes that audience's name
    as `audience`."""

    def __init__(self, audiences: list[Router]) -> None:
        self.audiences = [(r, r.name, _prefixes(r)) for r in audiences]

    async def __call__(self, query: CallbackQuery, **data: Any) -> bool | dict[str, Any]:
        held = data["roles"].names()
        prefix = (query.data or "").split(":", 1)[0]
        for router, role, prefixes in self.audiences:
            if role in held or (prefixes is not None and prefix not in prefixes):
                continue
            if await _takes(router, query, dict(data), top=True):
                return {"audience": role}
        return False


def _menu_actions(router: Router) -> set[str]:
    """The main-menu entries the router's message handlers answer."""
    found = {
        f.callback.action
        for handler in router.message.handlers
        for f in handler.filters or ()
        if isinstance(f.callback, MenuButton)
    }
    for child in router.sub_routers:
        found |= _menu_actions(child)
    return found


class MenuOfOthers(Filter):
    """The message is a main-menu entry of an audience (with a refusal text) the user does not
    hold; passes that audience's name as `audience`."""

    def __init__(self, audiences: list[Router]) -> None:
        self.menus = [(r.name, _menu_actions(r)) for r in audiences if r.name in MENU_REFUSALS]

    async def __call__(self, message: Message, roles: Roles, i18n: I18n) -> bool | dict[str, Any]:
        action = menu_action_for(i18n, message.text)
        if action is None:
            return False
        held = roles.names()
        for role, actions in self.menus:
            if role not in held and action in actions:
                return {"audience": role}
        return False


async def on_menu_refused(message: Message, roles: Roles, audience: str) -> None:
    await message.answer(_(MENU_REFUSALS[audience]), reply_markup=main_menu(roles))


async def on_refused(query: CallbackQuery, user: User, audience: str) -> None:
    log.warning(
        "forged callback refused: user=%s audience=%s data=%r",
        user.id,
        audience,
        (query.data or "")[:64],
    )
    await query.answer(_("This button is out of date."), show_alert=True)


def refusal_router(audiences: list[Router]) -> Router:
    """Registered right after the staff audiences and before everything that takes any press
    (the citizens' stale-button answers, the dialog layer's answer to unexpected input, the
    fallback)."""
    r = Router(name="audience_refusal")
    r.callback_query.register(on_refused, MeantForOthers(audiences))
    r.message.register(on_menu_refused, MenuOfOthers(audiences))
    return r
