"""The sandbox page in a real headless Chromium: a citizen registers and asks for help, the
assistant accepts the case, the citizen sees the new status.

The bot's flows are driven by what the page shows (button texts, the bot's own translations of
them), not by callback data, so the test keeps working while those flows change. Screenshots
of each stage go to test-artifacts/sandbox/. Skipped with the reason when Chromium or
Playwright is missing (`.ci/install-browser` installs both).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile
from sqlalchemy import select

from bot.flows.model import FlowDefinition, Question
from bot.i18n import in_locale
from bot.views.texts import status_label
from db.models import Case, CaseFile, District, Region, User, utcnow
from devkit.sandbox import Sandbox, cast
from tests.sandbox.conftest import start_sandbox

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sandbox"
STEP_TIMEOUT_MS = 10_000

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="Playwright is not installed: run .ci/install-browser (pip install playwright)",
    ),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"Chromium not found at {CHROMIUM}: run .ci/install-browser (apt-get install chromium)",
    ),
]


class ChatPage:
    """The sandbox page, driven like a person would: pick a person, tap, type."""

    def __init__(self, page: Any, sandbox: Sandbox) -> None:
        self.page = page
        self.sandbox = sandbox
        self.shots = 0

    def tr(self, msgid: str) -> str:
        """A bot string as the Uzbek (Latin) user sees it."""
        assert self.sandbox.app is not None
        return self.sandbox.app.i18n.gettext(msgid, locale="uz")

    async def settle(self) -> None:
        """Wait until the page's request is answered (the bot finished that update)."""
        await self.page.wait_for_function(
            "document.getElementById('typing').hidden", timeout=STEP_TIMEOUT_MS
        )

    async def shot(self, name: str) -> None:
        self.shots += 1
        await self.page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}.png"))

    async def switch(self, person_id: int) -> None:
        await self.page.select_option("#person", str(person_id))
        await self.page.wait_for_selector(f"#chat[data-person='{person_id}']")
        await self.settle()

    async def send(self, text: str) -> None:
        await self.page.fill("#input", text)
        await self.page.get_by_role("button", name="Send · Yuborish").click()
        await self.settle()

    async def newest_bot_message(self) -> Any:
        return self.page.locator(".msg.bot").last

    async def inline_texts(self) -> list[str]:
        """Buttons under the newest bot message (what a person looks at)."""
        message = await self.newest_bot_message()
        return [t.strip() for t in await message.locator(".ikb-btn").all_inner_texts()]

    async def newest_text(self) -> str:
        message = await self.newest_bot_message()
        bodies = await message.locator(".body").all_inner_texts()
        return "\n".join(bodies)

    async def press(self, text: str) -> None:
        """Tap the newest inline button with exactly this text."""
        buttons = self.page.locator(".msg.bot .ikb-btn").filter(has_text=text)
        count = await buttons.count()
        for index in range(count - 1, -1, -1):
            button = buttons.nth(index)
            if (await button.inner_text()).strip() == text:
                await button.click()
                await self.settle()
                return
        raise AssertionError(f"no inline button {text!r}; newest: {await self.inline_texts()}")

    async def attach(self, kind: str) -> None:
        """Open 📎 and pick an entry (data-attach: voice, file, location, contact)."""
        await self.page.locator("#attach-btn").click()
        await self.page.locator(f"#attach button[data-attach='{kind}']").click()

    async def send_voice(self) -> None:
        """📎 → 🎤: the sandbox sends a sample voice note from this person."""
        await self.attach("voice")
        await self.settle()

    async def send_photo(self, data: bytes, name: str = "malumotnoma.jpg") -> None:
        """📎 → 📄 with a picture chosen in the file dialog."""
        async with self.page.expect_file_chooser() as chooser_info:
            await self.attach("file")
        chooser = await chooser_info.value
        await chooser.set_files({"name": name, "mimeType": "image/jpeg", "buffer": data})
        await self.settle()

    async def reply_buttons(self) -> list[tuple[str, str]]:
        buttons = self.page.locator("#reply-kb .rkb-btn")
        out = []
        for index in range(await buttons.count()):
            button = buttons.nth(index)
            out.append(
                ((await button.inner_text()).strip(), await button.get_attribute("data-kind") or "")
            )
        return out

    async def tap_reply(self, text: str) -> None:
        await self.page.locator("#reply-kb .rkb-btn").filter(has_text=text).first.click()
        if await self.page.locator("#confirm").is_visible():
            await self.page.locator("#confirm-yes").click()  # "share my phone number?"
        await self.settle()


async def check_layout_and_clock(chat: ChatPage) -> None:
    """After the long sign-up: the menu keyboard keeps full-height rows (it scrolls rather
    than squeezing), and message times are Tashkent's, not the browser's UTC."""
    # Telegram shows a reply keyboard whole, up to about half the screen, however long the
    # chat above it: the board's visible height is its full height (or that cap), never a
    # sliver of one or two rows.
    board = await chat.page.locator("#reply-kb").evaluate(
        "kb => ({shown: kb.clientHeight, full: kb.scrollHeight, screen: window.innerHeight})"
    )
    assert board["shown"] >= min(board["full"], 0.4 * board["screen"]) - 2, board
    shown = (await chat.page.locator(".msg.bot .meta").last.inner_text()).strip()
    now = dt.datetime.now(ZoneInfo("Asia/Tashkent"))
    moments = [now - dt.timedelta(minutes=k) for k in range(3)]
    accepted = {m.strftime("%H:%M") for m in moments} | {m.strftime("%I:%M %p") for m in moments}
    assert any(time in shown for time in accepted), f"{shown!r} is not Tashkent time"


async def user_row(sandbox: Sandbox, telegram_id: int) -> User | None:
    assert sandbox.app is not None
    async with sandbox.app.sessions() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def newest_case(sandbox: Sandbox, user: User) -> Case | None:
    assert sandbox.app is not None
    async with sandbox.app.sessions() as session:
        return await session.scalar(
            select(Case).where(Case.user_id == user.id).order_by(Case.id.desc()).limit(1)
        )


async def place_names(sandbox: Sandbox) -> tuple[str, str]:
    assert sandbox.app is not None
    async with sandbox.app.sessions() as session:
        region = await session.get(Region, cast.REGION)
        district = await session.get(District, cast.DISTRICT)
    assert region is not None and district is not None
    return region.name_uz, district.name_uz


async def register(chat: ChatPage, person_id: int, mahalla: str) -> bool:
    """Answer whatever registration asks until the database says registered.

    Returns False when the bot shows the main menu without asking anything (no registration
    flow yet), so the caller can say so and register the person another way.
    """
    sandbox = chat.sandbox
    region, district = await place_names(sandbox)
    needs_button = chat.tr("📝 My household's needs")
    typed_name = typed_year = searched = False
    for _step in range(30):
        row = await user_row(sandbox, person_id)
        if row is not None and row.registered_at is not None:
            return True
        inline = await chat.inline_texts()
        reply = await chat.reply_buttons()
        text = await chat.newest_text()
        language = next((b for b in inline if b.endswith("Oʻzbekcha")), None)
        if language:
            await chat.press(language)
        elif chat.tr("✅ I agree") in inline:
            await chat.press(chat.tr("✅ I agree"))
        elif any(kind == "contact" for _, kind in reply):
            await chat.tap_reply(next(t for t, kind in reply if kind == "contact"))
        elif any(t == chat.tr("👨 Male") for t, _ in reply):
            await chat.tap_reply(chat.tr("👨 Male"))
        elif region in inline:
            await chat.press(region)
        elif district in inline:
            await chat.press(district)
        elif mahalla in inline:
            await chat.press(mahalla)
        elif inline and district in text and not searched:
            searched = True  # the mahalla is not on this page: search by a part of its name
            await chat.send(mahalla.split()[0])
        elif any(t == needs_button for t, _ in reply):
            return False  # the main menu, and nothing asked: no registration flow
        elif not typed_name and "1980" not in text:
            typed_name = True
            await chat.send("Dilnoza Karimova")
        elif not typed_year:
            typed_year = True
            await chat.send("1990")
        else:
            raise AssertionError(f"registration: don't know what to do with {text!r} {inline}")
    raise AssertionError("registration did not finish within 30 steps")


NAV_MSGIDS = ("⬅️ Back", "⏭ Skip", "✖️ Cancel", "➡️ Keep this answer", "✏️ Edit")


def typed_answer(question: Question) -> str:
    """A valid answer for a typed question, from the question's own limits."""
    examples = {"members": "5", "children": "2", "income_3m": "3000000"}
    if question.id in examples:
        return examples[question.id]
    if question.type == "year":
        return "1990"
    if question.type == "phone":
        return "+998901234567"
    if question.type in ("integer", "decimal"):
        low = question.min if question.min is not None else 0
        return str(int(max(low, min(1, question.max if question.max is not None else 1))))
    return "Tikuvchilik"


async def fill_questionnaire(chat: ChatPage, definition: FlowDefinition, user: User) -> Case:
    """Answer the household questionnaire with plausible answers until a case exists."""
    sandbox = chat.sandbox
    nav = {chat.tr(m) for m in NAV_MSGIDS}
    done, send = chat.tr("✔️ Done"), chat.tr("✅ Send")
    resume = chat.tr("▶️ Continue where you stopped")
    no_papers = chat.tr("⏭ No papers")
    spoken = attached = False
    for _step in range(80):
        case = await newest_case(sandbox, user)
        if case is not None:
            return case
        inline = await chat.inline_texts()
        text = await chat.newest_text()
        question = next((q for q in definition.questions if q.text.get("uz") in text), None)
        if send in inline:
            await chat.press(send)
        elif no_papers in inline or (done in inline and "📎" in text):
            # Papers may follow this answer: one photo of a certificate, then Done.
            if attached:
                await chat.press(done if done in inline else no_papers)
            else:
                await chat.send_photo(b"\xff\xd8\xff\xe0 certificate")
                attached = True
        elif question is not None and question.type == "text" and not spoken:
            await chat.send_voice()  # the first free-text answer is spoken
            spoken = True
        elif resume in inline:
            await chat.press(resume)
        elif any(b.startswith(done) for b in inline):
            # A multiple choice: pick the first option, then "Done" (it shows a count).
            finish = next(b for b in inline if b.startswith(done))
            chosen = [b for b in inline if b.startswith("✅ ") and b != send]
            options = [b for b in inline if b not in nav and b != finish]
            await chat.press(finish if chosen else options[0])
        elif question is not None and question.type in (
            "integer",
            "decimal",
            "text",
            "year",
            "phone",
        ):
            await chat.send(typed_answer(question))
        else:
            options = [b for b in inline if b not in nav]
            if not options:
                raise AssertionError(f"questionnaire: nothing to answer in {text!r} {inline}")
            await chat.press(options[0])
    raise AssertionError("the questionnaire did not end in a case within 80 steps")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        await instance.close()


async def test_citizen_asks_assistant_accepts_citizen_sees_status(
    browser: Any, seeded_template: Path, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*.html")]:
        old.unlink()
    sandbox = await start_sandbox(seeded_template, tmp_path)
    # A phone, its clock on UTC: the page must still tell time as the bot does (Tashkent).
    page = await browser.new_page(viewport={"width": 390, "height": 844}, timezone_id="UTC")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    chat = ChatPage(page, sandbox)
    try:
        await run_story(chat)
        assert not errors, f"the page raised: {errors}"
    except BaseException:
        await chat.shot("failure")
        (ARTIFACTS / "failure.html").write_text(await page.content(), encoding="utf-8")
        raise
    finally:
        await page.close()
        await sandbox.stop()


async def run_story(chat: ChatPage) -> None:
    sandbox, page = chat.sandbox, chat.page
    assert sandbox.app is not None
    citizen_id, assistant_id = cast.NEW_CITIZEN.telegram_id, cast.ASSISTANT.telegram_id
    mahalla = sandbox.people[assistant_id].mahalla
    assert mahalla is not None

    await page.goto(sandbox.url + f"#p={citizen_id}")
    await page.wait_for_selector("body[data-ready='1']")
    await chat.shot("citizen-before-start")

    # 1. The citizen starts the bot, picks a language and registers.
    await page.get_by_role("button", name="START · BOSHLASH").click()
    await chat.settle()
    await chat.shot("citizen-language")
    if not await register(chat, citizen_id, mahalla):
        warnings.warn("no registration flow in the bot: registered in the database", stacklevel=1)
        async with sandbox.app.sessions() as session:
            row = await session.scalar(select(User).where(User.telegram_id == citizen_id))
            assert row is not None
            row.name, row.phone, row.birth_year, row.gender = (
                "Dilnoza Karimova",
                cast.NEW_CITIZEN.phone,
                1990,
                "f",
            )
            row.mahalla_code = await session.scalar(
                select(User.mahalla_code).where(User.telegram_id == assistant_id)
            )
            row.consent_version, row.consent_at, row.registered_at = 1, utcnow(), utcnow()
            await session.commit()
    citizen = await user_row(sandbox, citizen_id)
    assert citizen is not None and citizen.registered_at is not None
    await chat.shot("citizen-registered")
    await check_layout_and_clock(chat)

    # 2. The citizen asks for help: the household needs questionnaire.
    await chat.tap_reply(chat.tr("📝 My household's needs"))
    definition = sandbox.app.dispatcher["flows"].latest("household")
    case = await fill_questionnaire(chat, definition, citizen)
    await chat.shot("citizen-request-sent")

    # 3. The assistant of the mahalla gets the request at once and accepts it.
    await chat.switch(assistant_id)
    notice = page.locator(".msg.bot").filter(has_text=case.number or "")
    await notice.last.wait_for(timeout=STEP_TIMEOUT_MS)
    await chat.shot("assistant-new-request")
    accept = notice.last.locator(".ikb-btn").filter(has_text=chat.tr("✅ Accept"))
    await accept.first.click()
    await chat.settle()
    await chat.shot("assistant-accepted")
    async with sandbox.app.sessions() as session:
        stored = await session.get(Case, case.id)
        assert stored is not None and stored.status == "accepted"

    # 3b. The request carries the spoken answer and the photo; the assistant plays and sees them.
    async with sandbox.app.sessions() as session:
        kept = (await session.scalars(select(CaseFile).where(CaseFile.case_id == case.id))).all()
    assert sorted(f.kind for f in kept) == ["photo", "voice"], [f.kind for f in kept]
    await chat.tap_reply(chat.tr("📥 Cases"))
    row = page.locator(".msg.bot .ikb-btn").filter(has_text=case.number or "")
    await row.last.click()
    await chat.settle()
    assert "🎤" in await chat.newest_text()
    await chat.press(chat.tr("▶️ Play and show files ({count})").format(count=2))
    await page.locator(".msg.bot audio").last.wait_for(timeout=STEP_TIMEOUT_MS)
    await page.locator(".msg.bot .photo img").last.wait_for(timeout=STEP_TIMEOUT_MS)
    await chat.shot("assistant-plays-voice-and-sees-photo")

    # 4. The citizen sees the status change.
    await chat.switch(citizen_id)
    with in_locale(sandbox.app.i18n, "uz"):
        accepted = status_label("accepted")
    update = page.locator(".msg.bot").filter(has_text=case.number or "").filter(has_text=accepted)
    await update.last.wait_for(timeout=STEP_TIMEOUT_MS)
    await chat.shot("citizen-sees-accepted")

    # 5. What else Telegram would show: a document to download, and a refused call in red.
    data = b"PK\x03\x04 demo export"
    await sandbox.app.bot.send_document(citizen_id, BufferedInputFile(data, "hisobot.xlsx"))
    link = page.locator(".msg.bot a.download").filter(has_text="hisobot.xlsx")
    await link.wait_for(timeout=STEP_TIMEOUT_MS)
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename == "hisobot.xlsx"
    saved = await download.path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == data
    with contextlib.suppress(TelegramBadRequest):
        await sandbox.app.bot.send_message(citizen_id, "<b>not closed")
    refused = page.locator(".system").filter(has_text="Bot API refused sendMessage: Bad Request")
    await refused.last.wait_for(timeout=STEP_TIMEOUT_MS)
    await chat.shot("citizen-document-and-refused-call")
