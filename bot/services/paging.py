"""One page of a list: the page arithmetic every paged list shares, written once.

A page number comes from a button, so it may be stale (the list shrank since) or forged; it is
clamped against the list's length here, once, before anything is sliced or queried. Services
return a `Page` and keyboards draw their ◀ n/N ▶ row from its `Window`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """Which part of a list of `total` items a page shows: `page` (0-based, always one that
    exists) of `per_page` items."""

    page: int
    per_page: int
    total: int

    @classmethod
    def clamped(cls, page: int, per_page: int, total: int) -> Window:
        """The requested page, or the nearest that exists: a page past the end (the list
        shrank) is the last one, a negative one the first; an empty list has one empty page."""
        per_page = max(1, per_page)
        last = max(0, (total - 1) // per_page)
        return cls(page=max(0, min(page, last)), per_page=per_page, total=total)

    @classmethod
    def whole(cls, total: int) -> Window:
        """The whole list on one page (a short list: no ◀ ▶)."""
        return cls(page=0, per_page=max(1, total), total=total)

    @property
    def pages(self) -> int:
        """How many pages the list takes (at least one, for the empty list)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        """How many items come before the page: SQL's OFFSET."""
        return self.page * self.per_page

    def slice(self, items: Sequence[T]) -> list[T]:
        """The page's part of a list held whole."""
        return list(items[self.offset : self.offset + self.per_page])


def page_holding(position: int, per_page: int) -> int:
    """The page that shows the item with `position` items before it (where Back returns)."""
    return max(0, position) // max(1, per_page)


@dataclass(frozen=True)
class Page(Generic[T]):
    """The items of one page and where it lies in the whole list."""

    items: Sequence[T]
    window: Window

    @classmethod
    def of(cls, every: Sequence[T], page: int, per_page: int) -> Page[T]:
        """A page of a list held whole (the requested page clamped)."""
        window = Window.clamped(page, per_page, len(every))
        return cls(items=window.slice(every), window=window)

    @property
    def page(self) -> int:
        """The page's number (0-based, clamped)."""
        return self.window.page

    @property
    def total(self) -> int:
        """How many items the whole list holds."""
        return self.window.total

    def numbered(self) -> Iterator[tuple[int, T]]:
        """The items with their numbers in the whole list, counted from 1."""
        return enumerate(self.items, start=self.window.offset + 1)


async def fetch(
    session: AsyncSession, query: Select[tuple[T]], page: int, per_page: int
) -> Page[T]:
    """A page of a query's rows: counted first, so the page is clamped before SQL's
    OFFSET/LIMIT (a stale page shows the last one; a forged one stays within SQL's integers)."""
    counted: Select[Any] = select(func.count()).select_from(query.order_by(None).subquery())
    window = Window.clamped(page, per_page, int(await session.scalar(counted) or 0))
    rows = await session.scalars(query.offset(window.offset).limit(window.per_page))
    return Page(items=rows.all(), window=window)
