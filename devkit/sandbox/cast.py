"""Who lives in the demo: Tashkent city's Chilonzor district and the people in it.

:class:`Person` is someone the sandbox page can chat as; the main cast is fixed, the other
assistants and citizens get Telegram ids from the ranges below.
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "1726294"  # Tashkent city, Chilonzor district
REGION = "1726"
OTHER_ASSISTANT_BASE = 510_000
CITIZEN_BASE = 520_000


@dataclass(frozen=True)
class Person:
    """Someone the page can chat as: a Telegram account plus what the page says about them."""

    telegram_id: int
    first_name: str
    last_name: str | None
    language_code: str
    role: str  # citizen_new | citizen | assistant | supervisor | admin | other_assistant
    label: str  # English · Uzbek, for the switcher
    group: str  # main | assistants
    phone: str
    started: bool = True
    mahalla: str | None = None  # name of the mahalla they live in or serve

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


# The people of the demo; the admin is added to ADMIN_IDS by the sandbox.
NEW_CITIZEN = Person(
    500_001,
    "Dilnoza",
    "Karimova",
    "uz",
    "citizen_new",
    "new citizen · yangi fuqaro",
    "main",
    "+998901234567",
    started=False,
)
CITIZEN = Person(
    500_002, "Bobur", "Toshmatov", "uz", "citizen", "citizen · fuqaro", "main", "+998901112233"
)
ASSISTANT = Person(
    500_101,
    "Aziza",
    "Rahimova",
    "uz",
    "assistant",
    "assistant · hokim yordamchisi",
    "main",
    "+998935550101",
)
SUPERVISOR = Person(
    500_201,
    "Rustam",
    "Aliyev",
    "ru",
    "supervisor",
    "district supervisor · tuman kuratori",
    "main",
    "+998977770201",
)
ADMIN = Person(
    500_301, "Sardor", "Yusupov", "uz", "admin", "admin · administrator", "main", "+998998880301"
)
MAIN_PEOPLE: tuple[Person, ...] = (NEW_CITIZEN, CITIZEN, ASSISTANT, SUPERVISOR, ADMIN)
