"""Benchmark scripts. `bot` is imported first so aiogram gets its lazy import (bot/patches/lazy_aiogram.py)
here exactly as in the bot process."""

import bot  # noqa: F401
