"""The mahalla picker pages by the shared page model (`registry.mahallas_page` returns a
`paging.Page`): a stale page number from an old button shows the last page, as every list does."""

from __future__ import annotations

from typing import Any

from bot.services import registry

CHILONZOR = "1726294"  # 55 demo mahallas: seven pages of 8


async def test_a_page_of_a_districts_mahallas(sessions: Any) -> None:
    async with sessions() as session:
        first = await registry.mahallas_page(session, CHILONZOR, 0, 8)
        second = await registry.mahallas_page(session, CHILONZOR, 1, 8)
        every = await registry.mahallas_page(session, CHILONZOR, 0, 10_000)
    assert (first.total, first.window.pages, len(first.items)) == (55, 7, 8)
    assert [m.code for m in second.items] == [m.code for m in every.items[8:16]]
    assert [m.name_uz for m in every.items] == sorted(m.name_uz for m in every.items)


async def test_a_page_past_the_end_is_the_last_one(sessions: Any) -> None:
    async with sessions() as session:
        stale = await registry.mahallas_page(session, CHILONZOR, 99, 8)
        last = await registry.mahallas_page(session, CHILONZOR, 6, 8)
        none = await registry.mahallas_page(session, "0000000", 3, 8)
    assert stale.page == 6 and [m.code for m in stale.items] == [m.code for m in last.items]
    assert len(stale.items) == 55 - 6 * 8
    assert (none.page, none.total, list(none.items)) == (0, 0, [])
