"""Conversation states. Stored in the database (or Redis), so they survive restarts."""

from aiogram.fsm.state import State, StatesGroup


class PlacePick(StatesGroup):
    """Choosing a region, district or mahalla; FSM data holds `purpose` and `district`."""

    choosing = State()


class Registration(StatesGroup):
    """One state per question. Answers live on the user row, not in FSM data, so a restart or
    /cancel loses nothing. FSM data `edit=True` means one field is being changed from Settings.
    The mahalla step itself is PlacePick.choosing with purpose "r"."""

    consent = State()
    name = State()
    phone = State()
    birth_year = State()
    gender = State()
    place = State()  # region and district lists are on screen


class SettingsFlow(StatesGroup):
    """Settings steps that take input: a new mahalla (region/district lists; then PlacePick
    with purpose "s") and the confirmation before erasing personal data."""

    place = State()
    confirm_delete = State()


class Questionnaire(StatesGroup):
    """Filling in a questionnaire; FSM data holds `draft_id`, but the Draft row is the truth."""

    active = State()


class CaseWork(StatesGroup):
    """An assistant typing text for one case; FSM data holds `case` (id), and `f`/`page` of the
    list to go back to. The case is re-checked when the text arrives."""

    reason = State()  # why the case is rejected (the citizen sees it)
    note = State()  # a note kept on the case
    message = State()  # a message relayed to the citizen


class CaseReply(StatesGroup):
    """A citizen typing a reply to the assistant's message; FSM data holds `case` (id)."""

    text = State()


class RoadmapEdit(StatesGroup):
    """Typing in the roadmap editor; FSM data holds `case`, `step` (0 = a new step) and
    `institution` (new steps). Every callback re-checks the case, so the data is only a hint."""

    action_text = State()
    due_date = State()


class JobLedger(StatesGroup):
    """Recording (or correcting, `job` in FSM data) a job: `kind`, then `employer`, then the
    optional case link and, for assistants of several mahallas, the mahalla."""

    kind = State()
    employer = State()
    link = State()
    mahalla = State()


class VacancyPost(StatesGroup):
    """An assistant posting a vacancy, one step per state; the answers so far are in FSM data
    (`title`, `employer`, `occupation`, `place`, `pay`, `kind`, `places`, `closes`). The place
    is re-checked against the assistant's mahallas when the vacancy is saved."""

    title = State()
    employer = State()
    occupation = State()
    place = State()
    pay = State()
    kind = State()
    places = State()
    closes = State()
    confirm = State()


class SupervisorWork(StatesGroup):
    """A supervisor typing: the `reason` of a reassignment (`case`, `to` in FSM data, both
    re-checked when saved) or the `announcement` text, then its `confirm`."""

    reason = State()
    announcement = State()
    confirm = State()


class AdminWork(StatesGroup):
    """An admin typing: a place code to find people (`role` in data), a new value of a
    setting (`key`), or a CSV document."""

    find_place = State()
    setting = State()
    import_csv = State()
