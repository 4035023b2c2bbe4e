"""aiogram imported with lazy pydantic schemas (bot/patches/lazy_aiogram.py).

Each check runs in a fresh interpreter: the test process itself has long imported aiogram.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_aiogram_model_builds_lazily_in_a_fresh_process() -> None:
    result = _run(
        """
        import importlib, json, pkgutil
        import bot
        from bot.patches import lazy_aiogram
        import aiogram, aiogram.methods, aiogram.types
        from pydantic import BaseModel

        deferred = not aiogram.types.Message.__pydantic_complete__
        for info in pkgutil.walk_packages(aiogram.__path__, "aiogram."):
            try:
                importlib.import_module(info.name)
            except ImportError:
                pass  # optional extras (mongo, i18n compilers…) that are not installed

        def subclasses(cls):
            for sub in cls.__subclasses__():
                yield sub
                yield from subclasses(sub)

        models = {
            f"{m.__module__}.{m.__qualname__}": m
            for m in subclasses(BaseModel)
            if m.__module__.startswith("aiogram.") and "[" not in m.__qualname__
        }
        failed, built = [], 0
        for name, model in sorted(models.items()):
            try:
                # No frame namespace: only what the model itself carries may resolve it.
                model.model_rebuild(_parent_namespace_depth=0)
                assert model.__pydantic_complete__
                model.__pydantic_validator__  # the validator is real, not a mock
                built += 1
            except Exception as error:
                failed.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")

        from aiogram.methods import GetUpdates, SendMessage
        from aiogram.methods.base import Response
        from aiogram.types import Message, Update
        Response[Message].model_validate(
            {"ok": True, "result": {"message_id": 1, "date": 0, "text": "hi",
             "chat": {"id": 1, "type": "private"}}}
        )
        Response[GetUpdates.__returning__].model_validate({"ok": True, "result": []})
        SendMessage(chat_id=1, text="x").model_dump()
        print(json.dumps({"applied": lazy_aiogram.applied(), "reason": lazy_aiogram.reason(),
                          "deferred": deferred, "built": built, "failed": failed}))
        """
    )
    assert result["applied"], result["reason"]
    assert result["deferred"]
    assert result["failed"] == []
    assert result["built"] > 500  # ≈410 types and ≈170 methods


def test_a_real_update_validates_and_a_method_serialises_after_the_lazy_import() -> None:
    result = _run(
        """
        import json
        import bot
        from aiogram.methods import EditMessageText, SendMessage
        from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update

        update = Update.model_validate({
            "update_id": 7,
            "callback_query": {
                "id": "q", "chat_instance": "c", "data": "x",
                "from": {"id": 5, "is_bot": False, "first_name": "Ali"},
                "message": {"message_id": 3, "date": 0, "text": "Hi",
                            "chat": {"id": 5, "type": "private"}},
            },
        })
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data="y")]]
        )
        sent = SendMessage(chat_id=5, text="a", reply_markup=markup)
        edit = EditMessageText(chat_id=5, message_id=3, text="b")
        print(json.dumps({
            "from": update.callback_query.from_user.id,
            "text": update.callback_query.message.text,
            "button": sent.model_dump()["reply_markup"]["inline_keyboard"][0][0]["text"],
            "edit": edit.text,
        }))
        """
    )
    assert result == {"from": 5, "text": "Hi", "button": "ok", "edit": "b"}


def test_entry_points_import_bot_before_aiogram() -> None:
    """`python -m bot`, the benchmarks and the scheduler all get the lazy import."""
    for module in ("bot.__main__", "benchmarks.throughput", "benchmarks.memory", "bot.app"):
        result = _run(
            f"""
            import json, importlib
            importlib.import_module("{module}")
            from bot.patches import lazy_aiogram
            print(json.dumps({{"applied": lazy_aiogram.applied(), "reason": lazy_aiogram.reason()}}))
            """
        )
        assert result["applied"], f"{module}: {result['reason']}"


def test_an_earlier_aiogram_import_leaves_aiogram_as_it_is() -> None:
    result = _run(
        """
        import json
        import aiogram.types
        import bot
        from bot.patches import lazy_aiogram
        print(json.dumps({"applied": lazy_aiogram.applied(), "reason": lazy_aiogram.reason(),
                          "built": aiogram.types.Message.__pydantic_complete__}))
        """
    )
    assert not result["applied"]
    assert "imported before bot" in result["reason"]
    assert result["built"]
