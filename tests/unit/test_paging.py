"""The page arithmetic every paged list shares (`bot.services.paging`) and the ◀ n/N ▶ row
drawn from it."""

from __future__ import annotations

from bot.callbacks import CaseAction, CaseCB
from bot.services.paging import Page, Window, page_holding
from bot.views.keyboards.common import paged_buttons


def test_a_requested_page_is_clamped_to_the_pages_that_exist() -> None:
    assert Window.clamped(1, 10, 25) == Window(page=1, per_page=10, total=25)
    assert Window.clamped(7, 10, 25).page == 2  # past the end (the list shrank): the last
    assert Window.clamped(-3, 10, 25).page == 0  # forged: the first
    assert Window.clamped(10**30, 10, 25).page == 2  # stays within SQL's integers


def test_the_last_page_and_the_count_of_pages() -> None:
    assert Window.clamped(0, 10, 20).pages == 2  # exactly full pages: no empty third
    assert Window.clamped(0, 10, 21).pages == 3
    last = Window.clamped(2, 10, 21)
    assert last.offset == 20 and last.slice(list(range(21))) == [20]


def test_an_empty_list_has_one_empty_page() -> None:
    empty = Window.clamped(4, 8, 0)
    assert (empty.page, empty.pages, empty.offset) == (0, 1, 0)
    assert Page.of([], 3, 8).items == []
    assert Window.whole(0).pages == 1


def test_offset_slice_and_numbers() -> None:
    page = Page.of("abcdefghij", 1, 4)
    assert page.window.offset == 4 and list(page.items) == ["e", "f", "g", "h"]
    assert list(page.numbered()) == [(5, "e"), (6, "f"), (7, "g"), (8, "h")]
    assert (page.page, page.total) == (1, 10)
    assert Window.whole(12) == Window(page=0, per_page=12, total=12)


def test_the_page_holding_an_item() -> None:
    assert [page_holding(before, 10) for before in (0, 9, 10, 25)] == [0, 0, 1, 2]


def _rows(page: int, total: int) -> list[str]:
    """The texts of the ◀ n/N ▶ row of a list of `total` items, 5 a page (none for one page)."""
    page_of = Page.of(list(range(total)), page, 5)
    items = [(str(n), CaseCB(action=CaseAction.OPEN, id=n)) for n in page_of.items]
    markup = paged_buttons(items, page_of.window, lambda p: CaseCB(action=CaseAction.LIST, page=p))
    rows = markup.inline_keyboard[len(items) :]
    return [button.text for row in rows for button in row]


def test_the_page_row() -> None:
    assert _rows(0, 5) == []
    assert _rows(0, 6) == ["1/2", "▶️"]
    assert _rows(1, 6) == ["◀️", "2/2"]
    assert _rows(1, 11) == ["◀️", "2/3", "▶️"]
    assert _rows(9, 11) == ["◀️", "3/3"]  # a stale page: the last one
