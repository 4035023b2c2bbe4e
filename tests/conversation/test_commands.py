"""The command menu is set per language when the bot starts."""

from __future__ import annotations


async def test_commands_per_language(harness) -> None:  # type: ignore[no-untyped-def]
    def names(language: str) -> dict[str, str]:
        return {
            c["command"]: c["description"] for c in harness.fake.commands(language_code=language)
        }

    await harness.user(1, first_name="Ali").send("/start")  # start-up has run by now
    default, uz, ru = names(""), names("uz"), names("ru")
    assert set(default) == set(uz) == set(ru) == {"start", "help", "language", "cancel"}
    assert default == uz
    assert uz["language"] == "Tilni oʻzgartirish"
    assert ru["language"] == "Сменить язык"
