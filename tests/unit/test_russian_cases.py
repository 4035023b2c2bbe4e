"""No declension traps in Russian (issue 15, point 2): a name, place, title or status inserted
into a Russian sentence stays in the form it was written in (the nominative), so it must stand
alone ("Снять с роли куратора: {name}?", "{place}: помощников пока нет"), never after a
preposition ("у {name}", "в {place}") or after an inflected verb that would govern its case
("Снять {name} с роли", "попросят {name}").

A number, date, time or duration after a preposition is fine when the grammar works ("к {date}",
"от {min} до {max}"): those placeholders are listed, by name, in STANDS_AFTER_A_PREPOSITION.
A placeholder in quotes («{title}») stands alone by itself.
"""

from __future__ import annotations

import re

import pytest

from tests.support.language import TAG, Text, segments

PREPOSITIONS = frozenset(
    "в во на у от к ко с со для по о об обо при за из до про через без между над под перед".split()
)

# Placeholders that hold a number, a date, a time or a duration (not a word Russian declines).
STANDS_AFTER_A_PREPOSITION = frozenset(
    {
        # numbers: "от {min} до {max}", "до {limit} символов", "на {days} день вперёд"
        *("count", "n", "days", "limit", "max", "min", "low", "high", "size", "target"),
        *("expected", "total", "month", "today", "percent", "places", "filled", "part", "whole"),
        *("target_month", "open", "overdue", "new", "yesterday", "length", "year", "line"),
        # a case number ("по обращению Н-2026-0012"): a code, read as written
        "number",
        # dates and moments: "к {date}", "до {date}", "с {time}", "по состоянию на {moment}"
        *("date", "when", "moment", "time", "first", "last", "created", "example"),
        # durations, already with their unit ("просрочено на 5 дн."): {age} "5 дн.", "3 ч"
        *("age", "duration"),
    }
)

# Words before a placeholder that end like a Russian verb form but are not verbs.
NOT_VERBS = frozenset(
    {
        "махалли",  # "Помощник хокима в махалле {mahalla}" style appositions: махалли = noun
        "объявления",
    }
)
# Inflected verb forms (infinitive, past, present/future, imperative, participle) that would
# put the next word in a case: "Отключить {name}", "попросят {name}", "изменил {who}".
VERB_FORM = re.compile(
    r"(ть|ти|чь|ться|л|ла|ло|ли|лся|лась|ет|ёт|ют|ют|ит|ят|ут|ат|ем|ём|им|ешь|ишь|ите|ете|"
    r"йте|ся|сь|нный|нное|нная|нные|вший)$"
)
BEFORE_PLACEHOLDER = re.compile(r"([А-Яа-яЁё]+)[ \u00a0]+\{([a-z_]+)\}")
# An impersonal plural verb after the placeholder makes it the object: "а {name} попросят" needs
# "а Алишера попросят".
IMPERSONAL_AFTER = re.compile(
    r"\{([a-z_]+)\}[ \u00a0]+(попрос|сообщ|уведом|спрос|назнач|приглас|отключ)\w*(ят|ли|ат)\b"
)


def _problems(item: Text) -> list[str]:
    text = TAG.sub("", item.text)  # "у <b>{name}</b>" reads as "у {name}"
    found = []
    for match in BEFORE_PLACEHOLDER.finditer(text):
        word, name = match.group(1), match.group(2)
        if name in STANDS_AFTER_A_PREPOSITION:
            continue
        lowered = word.lower()
        if lowered in PREPOSITIONS:
            found.append(f"{{{name}}} after the preposition «{word}»: {item}")
        elif lowered not in NOT_VERBS and VERB_FORM.search(lowered):
            found.append(f"{{{name}}} after the verb «{word}»: {item}")
    for match in IMPERSONAL_AFTER.finditer(text):
        found.append(f"{{{match.group(1)}}} as the object of «{match.group(0)}»: {item}")
    return found


def test_no_placeholder_where_russian_declines_it() -> None:
    problems = [p for item in segments("ru") for p in _problems(item)]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Снять {name} с роли куратора?", True),
        ("Готово: обращение <b>{number}</b> теперь у {name}.", True),
        ("Обращение {number} перейдёт к {name}.", True),
        ("В {place} пока нет ни одного помощника.", True),
        ("Объявление от {name}:", True),
        ("…а {name} попросят это подтвердить.", True),  # the object before the verb
        ("…а {name} получит просьбу это подтвердить.", False),  # the subject
        ("изменил {who}, {when}", True),
        ("Снять с роли куратора: {name}?", False),
        ("{place}: помощников пока нет.", False),
        ("(не менее {count} к {date})", False),
        ("Закрыть вакансию «{title}»?", False),
    ],
)
def test_the_check_itself(text: str, bad: bool) -> None:
    assert bool(_problems(Text("ru", text, "example"))) is bad
