"""Every CallbackData factory in one place: short prefixes, ids and codes only (≤ 64 bytes).

Callback data comes from the client and can be forged, so handlers re-check every id against
what the user may see before acting on it.

Each factory's `action` is an Enum with a readable name and a short wire value. The values
never change: buttons already sent to users carry them and must keep working.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LangCB(CallbackData, prefix="lg"):
    code: str  # uz | uz_Cyrl | ru


class MenuAction(StrEnum):
    CANCEL = "cancel"
    NOOP = "noop"  # a page counter: pressing it does nothing


class MenuCB(CallbackData, prefix="m"):
    action: MenuAction


class PlaceCB(CallbackData, prefix="pl"):
    """Pick a place: purpose says which flow asked (r = registration, i = admin invite)."""

    purpose: str
    level: str  # r (region) | d (district) | m (mahalla) | p (page of a district's mahallas)
    code: str = ""
    page: int = 0


#: PlaceCB level: the mahalla was chosen and replacing its assistant is confirmed.
CONFIRMED = "c"


class PlaceBackCB(CallbackData, prefix="pb"):
    purpose: str
    level: str  # where to go back to: r (regions) | d (districts of code)
    code: str = ""


class InviteCB(CallbackData, prefix="iv"):
    kind: str  # a (assistant) | d (district supervisor) | r (region supervisor) | c (country)


class RegAction(StrEnum):
    CONSENT = "consent"  # value: y | n
    BACK = "back"  # value: the step to go back from


class RegCB(CallbackData, prefix="rg"):
    action: RegAction
    value: str = ""


class SettingsAction(StrEnum):
    OPEN = "open"
    CLOSE = "back"  # back to the main menu
    LANGUAGE = "lang"
    PLACE = "place"
    MY_DATA = "data"
    NAME = "name"
    PHONE = "phone"
    BIRTH_YEAR = "year"
    GENDER = "gender"
    DELETE = "delete"
    DELETE_YES = "delete_yes"
    DELETE_NO = "delete_no"


class SetCB(CallbackData, prefix="st"):
    action: SettingsAction


class QuestionAction(StrEnum):
    CHOOSE = "c"  # choice v
    TOGGLE = "t"  # choice v of a multi-choice
    DONE = "d"  # a multi-choice is complete
    PAGE = "pg"  # page v of a long choice list
    KEEP = "k"  # keep the earlier answer
    BACK = "b"
    SKIP = "s"
    FILES_DONE = "fd"  # papers attached (or none)
    CANCEL = "x"  # asks to confirm
    CANCEL_YES = "xx"
    CANCEL_NO = "r"  # back to the question
    EDIT = "e"  # the summary's picker of the question to edit
    EDIT_QUESTION = "eq"
    SUMMARY = "sum"  # back to the summary
    SEND = "send"
    RESUME = "go"  # a draft left earlier: continue where it stopped
    RESTART = "new"  # a draft left earlier: start again


class QCB(CallbackData, prefix="q"):
    """Questionnaire: `draft` ties a button to one draft, so buttons of old drafts are stale."""

    draft: int
    action: QuestionAction
    q: str = ""
    v: str = ""


class CaseAction(StrEnum):
    LIST = "list"
    OPEN = "open"
    REPLY = "reply"  # write to whoever works the case (text, voice, photo, document)
    SEND_FILE = "sf"  # send the voice note or file kept in FSM data to the case's assistant
    CONFIRM_JOB = "confirm"  # id: a job recorded for the citizen; v: y | n


class CaseCB(CallbackData, prefix="c"):
    """A citizen's view of their cases; ids re-checked."""

    action: CaseAction
    id: int = 0
    page: int = 0
    v: str = ""


class AssistantAction(StrEnum):
    LIST = "list"  # filter f, page
    OPEN = "open"  # v = "e": in place
    ACCEPT = "acc"  # one tap, from the new-case message
    STATUS = "st"  # to status v
    OUTCOME = "out"  # resolve with outcome v
    CLOSE = "close"  # close without contact, confirmed
    NOTE = "note"
    MESSAGE = "msg"  # a message to the citizen
    FILES = "files"  # the files attached to the answers


class ACB(CallbackData, prefix="a"):
    """An assistant's work on cases, `id` re-checked on every press; f/page lead back to the
    list."""

    action: AssistantAction
    id: int = 0
    page: int = 0
    f: str = ""
    v: str = ""


class RoadmapAction(StrEnum):
    VIEW = "view"
    ADD = "add"
    INSTITUTION = "inst"  # the new step's institution v
    STEP = "step"
    DONE = "done"
    EDIT = "edit"
    DUE = "due"
    SET_DUE = "dset"  # in v days, or x: no due date
    REMOVE = "drop"
    REMOVE_YES = "dropy"


class RoadmapCB(CallbackData, prefix="rm"):
    """The roadmap editor of one case."""

    action: RoadmapAction
    case: int
    step: int = 0
    v: str = ""


class JobAction(StrEnum):
    START = "start"
    KIND = "kind"
    EMPLOYER = "emp"  # v: same | none
    LINK = "link"  # to the case id (0: none)
    MAHALLA = "mah"
    EDIT = "edit"
    DELETE = "del"
    DELETE_YES = "dely"
    KEEP = "keep"  # do not delete
    BACK = "back"  # v: the step to go back to (kind | emp | link)


class JobCB(CallbackData, prefix="jb"):
    """The job ledger; `id` is a job or case id."""

    action: JobAction
    v: str = ""
    id: int = 0


class DigestAction(StrEnum):
    DRILL = "drill"  # down into the place
    MAHALLAS = "mh"  # the older "mahallas and assistants" button: the same as DRILL
    EXPORT = "xlsx"


class SupCB(CallbackData, prefix="sv"):
    """A supervisor's view of a place.

    level: c (country) | r (region) | d (district) | m (mahalla); code: its SOATO or code.
    Handlers re-check that the place lies in one of the supervisor's scopes.
    """

    action: DigestAction
    level: str
    code: str = ""


class RequestAction(StrEnum):
    UPDATE = "upd"  # the open case `id`, with a questionnaire pre-filled from its answers


class RequestCB(CallbackData, prefix="rq"):
    """A citizen's job / internship / business request. The case is re-checked to be the
    sender's, still open and of a request kind."""

    action: RequestAction
    id: int = 0


class VacancyAction(StrEnum):
    # Assistants
    LIST = "list"
    NEW = "new"
    OPEN = "open"
    OCCUPATION = "occ"  # a posting step's choice v
    PLACE = "pl"
    PAY = "pay"
    KIND = "kind"
    PLACES = "n"  # how many people are wanted
    CLOSES = "d"  # closes in v days
    POST = "post"
    BACK = "back"  # a posting step: the step before
    PEOPLE = "who"  # the people interested in vacancy id
    HIRE = "hire"  # offer id
    HIRE_YES = "hirey"
    CLOSE = "close"
    CLOSE_YES = "closey"
    # Citizens
    BROWSE = "browse"
    SEE = "see"
    INTERESTED = "int"
    OFFER_YES = "yes"  # the answer to offer id
    OFFER_NO = "no"


class VacCB(CallbackData, prefix="vc"):
    """Vacancies. Every id is re-checked against the sender."""

    action: VacancyAction
    id: int = 0
    page: int = 0
    v: str = ""


class SupervisorAction(StrEnum):
    OVERDUE = "over"  # page
    # The case id, read-only; v = "a.<mahalla>.<assistant id>" when opened from the drill-down,
    # where its Back returns.
    OPEN = "open"
    REASSIGN = "ra"  # pick an assistant for case id
    REASSIGN_TO = "rto"  # case id to assistant v
    ASSISTANTS = "asst"  # page
    DEACTIVATE = "deact"
    DEACTIVATE_YES = "deacty"
    INVITE = "inv"
    ANNOUNCE_WHERE = "anw"  # v = c | r | d: the level to choose from
    ANNOUNCE_PLACE = "anp"  # to the place v
    ANNOUNCE = "ann"  # v = send | cancel


class SvCB(CallbackData, prefix="su"):
    """A supervisor's work. Every id and place is re-checked against the scopes (an admin's:
    anywhere)."""

    action: SupervisorAction
    id: int = 0
    page: int = 0
    v: str = ""


class DrillCB(CallbackData, prefix="dd"):
    """A supervisor's drill-down: h (home: their areas) | c (country) | r (region code) |
    d (district code) | m (mahalla code) | a (assistant `id` of mahalla code); page of the
    place's list (on a Back button: the page of the parent's list that shows the place left).
    Every place and assistant is re-checked against the scopes."""

    level: str
    code: str = ""
    id: int = 0
    page: int = 0


class PickCB(CallbackData, prefix="rp"):
    """Reassigning `case`: choose among h (the supervisor's areas) | c (regions) | r (districts
    of region code) | d (assistants of district code), page. The case and the place are
    re-checked against the scopes; the assistant chosen goes by SupervisorAction.REASSIGN_TO."""

    case: int
    level: str
    code: str = ""
    page: int = 0


class AdminAction(StrEnum):
    HOME = "home"
    HELP = "hlp"
    SETTINGS = "set"
    SETTING = "sk"  # change setting number v
    SETTING_DEFAULT = "sd"  # setting number v back to the configured value
    OUTBOX = "ob"
    FIND_PEOPLE = "fu"
    FIND_ROLE = "fr"  # role v: choose the place
    PEOPLE = "fl"  # v = role.place, page
    CARD = "card"  # user id
    GRANT_ASSISTANT = "ga"
    GRANT_SUPERVISOR = "gs"
    GRANT_LEVEL = "gl"  # supervisor of level v
    REVOKE_ASSISTANT = "ra"
    REVOKE_SUPERVISOR = "rs"
    REVOKE_ASSISTANT_YES = "ray"
    REVOKE_SUPERVISOR_YES = "rsy"
    IMPORT = "imp"  # mahallas from a CSV file


class AdmCB(CallbackData, prefix="ad"):
    """The admin menu (announcements go by SvCB). Admin re-checked each press."""

    action: AdminAction
    id: int = 0
    page: int = 0
    v: str = ""
