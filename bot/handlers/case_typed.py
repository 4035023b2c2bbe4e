"""A typed text that must be neither empty nor over a length limit (a job's employer, a roadmap
step's action): the one check and its two answers, shared by the ledger and the roadmap.
"""

from __future__ import annotations

from aiogram.types import Message

from bot.views import counted


async def refused_text(message: Message, text: str, limit: int, empty_prompt: str) -> bool:
    """Answer a cleaned typed `text` that is empty (with the step's own `empty_prompt`) or
    longer than `limit` characters (with the count); True when it was refused."""
    if not text:
        await message.answer(empty_prompt)
        return True
    if len(text) > limit:
        await message.answer(counted.over_limit(len(text), limit))
        return True
    return False
