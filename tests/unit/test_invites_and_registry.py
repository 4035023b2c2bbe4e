"""Invites and the mahalla import against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.services import invites, registry, roles
from bot.services.invites import Redeemed
from db.models import Invite, Mahalla, User, utcnow

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


async def _user(session, telegram_id: int) -> User:  # type: ignore[no-untyped-def]
    user = User(telegram_id=telegram_id, locale="uz")
    session.add(user)
    await session.commit()
    return user


async def test_invite_is_single_use_and_expires(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        alice, bob = await _user(session, 1), await _user(session, 2)
        token = await invites.create(
            session, role="assistant", level="mahalla", place_code="103-0104", now=NOW
        )
        stored = await session.scalar(select(Invite))
        assert stored is not None and token not in stored.token_hash  # only the hash is kept
        assert (await invites.redeem(session, token, alice, NOW)).outcome is Redeemed.GRANTED
        assert (await invites.redeem(session, token, bob, NOW)).outcome is Redeemed.USED
        assert (await roles.load_roles(session, alice, [], NOW)).mahallas == ("103-0104",)
        assert not (await roles.load_roles(session, bob, [], NOW)).is_assistant

        late = await invites.create(
            session, role="supervisor", level="district", place_code="1726294", now=NOW
        )
        result = await invites.redeem(session, late, bob, NOW + dt.timedelta(days=7, seconds=1))
        assert result.outcome is Redeemed.EXPIRED
        assert (await invites.redeem(session, "inv_" + "x" * 32, bob, NOW)).outcome is (
            Redeemed.UNKNOWN
        )
        assert (await invites.redeem(session, "<script>", bob, NOW)).outcome is Redeemed.UNKNOWN


async def test_invite_for_unknown_place_is_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        with pytest.raises(invites.InviteError):
            await invites.create(
                session, role="assistant", level="mahalla", place_code="999-9999", now=NOW
            )
        with pytest.raises(invites.InviteError):
            await invites.create(
                session, role="supervisor", level="region", place_code="1799", now=NOW
            )


async def test_new_assistant_ends_the_previous_term(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        old, new = await _user(session, 10), await _user(session, 11)
        await roles.grant_assistant(session, old, "103-0104", NOW)
        await session.commit()
        await roles.grant_assistant(session, new, "103-0104", NOW + dt.timedelta(hours=1))
        await session.commit()
        later = NOW + dt.timedelta(hours=2)
        assert not (await roles.load_roles(session, old, [], later)).is_assistant
        assert (await roles.load_roles(session, new, [], later)).mahallas == ("103-0104",)


async def test_mahalla_import_reports_and_is_idempotent(sessions) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"code": "18050057", "district_soato": "1710207", "name_uz": "Hamkorlik MFY"},
        {
            "code": "18050058",
            "district_soato": "1710207",
            "name_uz": "Navbahor MFY",
            "name_uz_cyrl": "Навбаҳор МФЙ",
            "name_ru": "Навбахор",
        },
        {"code": "18050058", "district_soato": "1710207", "name_uz": "Twice"},
        {"code": "", "district_soato": "1710207", "name_uz": "No code"},
        {"code": "18050059", "district_soato": "9999999", "name_uz": "Bad district"},
        {"code": "18050060", "district_soato": "1710207", "name_uz": ""},
        {"code": "12ab", "district_soato": "1710207", "name_uz": "Bad code"},
    ]
    async with sessions() as session:
        before = await session.scalar(select(func.count()).select_from(Mahalla))
        report = await registry.import_mahallas(session, rows, utcnow())
        assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
        assert [line for line, _ in report.rejected] == [4, 5, 6, 7, 8]
        assert "twice" in report.rejected[0][1]
        assert "unknown" in report.rejected[2][1]

        again = await registry.import_mahallas(session, rows[:2], utcnow())
        assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
        renamed = [{**rows[0], "name_uz": "Hamkorlik-2 MFY"}]
        third = await registry.import_mahallas(session, renamed, utcnow())
        assert (third.added, third.updated) == (0, 1)
        after = await session.scalar(select(func.count()).select_from(Mahalla))
        assert after == before + 2
        stored = await registry.get_mahalla(session, "18050057")
        assert stored is not None and stored.name_uz_cyrl.startswith("Ҳамкорлик")


async def test_search_finds_latin_names_from_cyrillic_and_apostrophes(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        latin = await registry.search_mahallas(session, "yangiyo'l")
        cyrillic = await registry.search_mahallas(session, "Янгийўл")
        curly = await registry.search_mahallas(session, "Yangiyo‘l")
        assert latin and {m.code for m in latin} == {m.code for m in cyrillic} == {
            m.code for m in curly
        }
        assert await registry.search_mahallas(session, "%") == []


async def test_search_takes_russian_spelling(sessions) -> None:  # type: ignore[no-untyped-def]
    """A Russian speaker writes к for қ, х for ҳ, у for ў and а for о: still found, in SQL
    (mahallas) and among regions and districts."""
    async with sessions() as session:
        found = await registry.search_mahallas(session, "катортол", "1726294")
        assert any("Қатортол" in m.name_uz_cyrl for m in found), [m.name_uz for m in found]
        places = await registry.find_places(session, "Чиланзар")
        assert any(p.level == "district" and p.code == "1726294" for p in places)
