"""Each role's keyboard: its own work first, a citizen's requests in one submenu for staff,
no button twice and none pointing at the person themselves."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import gettext as _

from bot.i18n import create_i18n, in_locale
from bot.services.roles import Roles, Scope
from bot.views.keyboards.common import (
    ASSISTANT_MENU,
    CITIZEN_MENU,
    SUPERVISOR_MENU,
    main_menu,
    personal_menu,
)

ASSISTANT = Roles(mahallas=("103-0104",))
SUPERVISOR = Roles(scopes=(Scope("district", "1726294"),))
ADMIN = Roles(is_admin=True)
EVERYONE = Roles(is_admin=True, mahallas=("103-0104",), scopes=(Scope("country", None),))


def _labels(markup) -> list[str]:  # type: ignore[no-untyped-def]
    return [button.text for row in markup.keyboard for button in row]


@pytest.mark.parametrize("locale", ["uz", "uz_Cyrl", "ru"])
@pytest.mark.parametrize("roles", [Roles(), ASSISTANT, SUPERVISOR, ADMIN, EVERYONE])
def test_no_button_twice(roles: Roles, locale: str) -> None:
    with in_locale(create_i18n("uz"), locale):
        for markup in (main_menu(roles), personal_menu(roles)):
            labels = _labels(markup)
            assert len(labels) == len(set(labels)), labels


def test_a_citizen_sees_the_citizen_menu() -> None:
    with in_locale(create_i18n("uz"), "ru"):
        assert _labels(main_menu(Roles())) == [_(msgid) for _a, msgid in CITIZEN_MENU]


@pytest.mark.parametrize(
    ("roles", "work"), [(ASSISTANT, ASSISTANT_MENU), (SUPERVISOR, SUPERVISOR_MENU)]
)
def test_staff_see_their_work_first_and_their_own_requests_in_one_button(
    roles: Roles, work: tuple[tuple[str, str], ...]
) -> None:
    with in_locale(create_i18n("uz"), "ru"):
        labels = _labels(main_menu(roles))
        assert labels[: len(work)] == [_(msgid) for _a, msgid in work]
        assert labels[len(work) :] == [_("🏠 My own requests"), _("⚙️ Settings")]
        own = _labels(personal_menu(roles))
        assert own[-1] == _("⬅️ Work menu")
        assert _("📝 My household's needs") in own and _("⚙️ Settings") not in own


def test_an_assistant_is_not_offered_themselves_or_a_second_vacancies_button() -> None:
    with in_locale(create_i18n("uz"), "ru"):
        own = _labels(personal_menu(ASSISTANT))
        supervisor_own = _labels(personal_menu(SUPERVISOR))
        assert _("👤 My assistant") not in own and _("🔎 Vacancies") not in own
        assert _("👤 My assistant") in supervisor_own  # a supervisor has an assistant too
