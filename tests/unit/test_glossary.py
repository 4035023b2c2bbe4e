"""One terminology (issue 15, point 3): the catalogs, the flow and data YAML and the localized
literals in code use the terms of docs/glossary.md; a variant the glossary forbids fails here.
Keep FORBIDDEN and the glossary's "not" column in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.language import ROOT, plain, segments

GLOSSARY = ROOT / "docs" / "glossary.md"

# locale -> (pattern, what the glossary says instead). Patterns are case-sensitive where the
# brand ("Mahalla Yordamchi", «Маҳалла Ёрдамчи», «Махалла Ёрдамчи») must not match.
FORBIDDEN: dict[str, list[tuple[str, str]]] = {
    "uz": [
        (r"\b[Mm]ahalla(ngiz|ning)?\s+yordamchi", "hokim yordamchisi"),
        (r"\b[Nn]azoratchi", "kurator"),
        (r"\bAdmin\b|\badmin\b", "administrator"),
        (r"\b[Bb]utun mamlakat", "butun respublika"),
        (r"\b[Ss]oʻrov(?!noma)", "murojaat"),
        (r"\b[Bb]andlik jamgʻarmasi", "Bandlikka koʻmaklashish davlat jamgʻarmasi"),
        (r"\b[Ff]ermerlar jamgʻarmasi", "the farm fund's full name"),
        (r"\b[Ss]tajirovka", "amaliyot"),
    ],
    "uz_Cyrl": [
        (r"\b[Мм]аҳалла(нгиз|нинг)?\s+ёрдамчи", "ҳоким ёрдамчиси"),
        (r"\b[Нн]азоратчи", "куратор"),
        (r"\b[Аа]дмин\b", "администратор"),
        (r"\b[Бб]утун мамлакат", "бутун республика"),
        (r"\b[Сс]ўров(?!нома)", "мурожаат"),
        (r"\b[Бб]андлик жамғармаси", "Бандликка кўмаклашиш давлат жамғармаси"),
        (r"\b[Фф]ермерлар жамғармаси", "the farm fund's full name"),
    ],
    "ru": [
        (r"\b[Пп]омощник\w*\s+(вашей\s+|своей\s+|этой\s+)?махалл", "помощник хокима"),
        (r"\b[Зз]аявк", "обращение"),
        (r"\b[Зз]апрос\w*\s+(на\s+)?(работ|стажировк)", "обращение о работе / о стажировке"),
        (r"\b[Аа]дмин(а|у|ом|е|ы|ов)?\b", "администратор"),
        (r"\b[Вв]с(я|ей|ю) стран", "вся республика"),
        (r"\b[Рр]егион", "область"),
        (r"\b[Оо]прос", "анкета"),
        (r"\b[Фф]онд\w* занятости", "Государственный фонд содействия занятости"),
        (r"\b[Фф]онд\w* фермеров", "the farm fund's full name"),
        (r"\bмахалла\b", "махалля"),
        (r"\b[Вв]о? (этой|вашей|своей|той) территории", "на территории"),
    ],
}


@pytest.mark.parametrize("locale", sorted(FORBIDDEN))
def test_no_variant_the_glossary_forbids(locale: str) -> None:
    problems = []
    for item in segments(locale):
        words = plain(item.text)
        for pattern, instead in FORBIDDEN[locale]:
            if re.search(pattern, words):
                problems.append(f"{pattern} (say: {instead}): {item}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_glossary_names_every_preferred_term() -> None:
    glossary = GLOSSARY.read_text(encoding="utf-8")
    for term in (
        "hokim yordamchisi",
        "ҳоким ёрдамчиси",
        "помощник хокима",
        "kurator",
        "куратор",
        "administrator",
        "администратор",
        "murojaat",
        "мурожаат",
        "обращение",
        "butun respublika",
        "вся республика",
    ):
        assert term in glossary, term


def test_the_glossary_exists_where_the_docs_say() -> None:
    assert Path(GLOSSARY).is_file()
