"""Mahalla Yordamchi: the Telegram bot service.

Importing this package first imports aiogram with its pydantic schemas built on first use
(``bot.patches.lazy_aiogram``: ≈100 MB less per process), so every entry point — ``python -m bot``, the
tests, the sandbox, the benchmarks — gets it as long as it imports ``bot`` before ``aiogram``.
"""

from bot.patches import lazy_aiogram

lazy_aiogram.install()
