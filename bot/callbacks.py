"""Every CallbackData factory in one place: short prefixes, ids and codes only (≤ 64 bytes).

Callback data comes from the client and can be forged, so handlers re-check every id against
what the user may see before acting on it.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LangCB(CallbackData, prefix="lg"):
    code: str  # uz | uz_Cyrl | ru


class MenuCB(CallbackData, prefix="m"):
    action: str  # a short menu action id


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


class RegCB(CallbackData, prefix="rg"):
    """Registration steps: consent (yes/no), gender (m/f), back, and the like."""

    action: str
    value: str = ""


class SetCB(CallbackData, prefix="st"):
    """Settings menu: lang | place | data | delete | delete_yes | delete_no | back."""

    action: str


class QCB(CallbackData, prefix="q"):
    """Questionnaire: `draft` ties a button to one draft, so buttons of old drafts are stale.

    action: c (choose) | t (toggle) | d (done) | b (back) | s (skip) | x (cancel) |
            e (edit picker) | eq (edit question q) | send | sum (back to summary)
    """

    draft: int
    action: str
    q: str = ""
    v: str = ""


class CaseCB(CallbackData, prefix="c"):
    """A citizen's view of their cases: list | open | reply | confirm | rate …; ids re-checked."""

    action: str
    id: int = 0
    page: int = 0
    v: str = ""


class ACB(CallbackData, prefix="a"):
    """An assistant's work on cases, `id` re-checked on every press:
    list (filter f, page) | open (v="e": in place) | acc (one-tap accept) | st (to status v) |
    out (resolve with outcome v) | close (confirmed) | note | msg. f/page lead back to the list."""

    action: str
    id: int = 0
    page: int = 0
    f: str = ""
    v: str = ""


class RoadmapCB(CallbackData, prefix="rm"):
    """The roadmap editor of one case: view | add | inst | edit | done | drop | due …"""

    action: str
    case: int
    step: int = 0
    v: str = ""


class JobCB(CallbackData, prefix="jb"):
    """The job ledger: kind | employer | link | edit | delete …; `id` is a job or case id."""

    action: str
    v: str = ""
    id: int = 0


class SupCB(CallbackData, prefix="sv"):
    """A supervisor's view of a place: drill (down into it) | xlsx (export) | over (overdue).

    level: c (country) | r (region) | d (district) | m (mahalla); code: its SOATO or code.
    Handlers re-check that the place lies in one of the supervisor's scopes.
    """

    action: str
    level: str
    code: str = ""


class RequestCB(CallbackData, prefix="rq"):
    """A citizen's job / internship / business request: upd (update the open case `id` with a
    questionnaire pre-filled from its answers). The case is re-checked to be the sender's,
    still open and of a request kind."""

    action: str
    id: int = 0


class VacCB(CallbackData, prefix="vc"):
    """Vacancies. Assistants: list (page) | new | open (id) | occ / pl / kind / n / d (a posting
    step's choice v) | post | who (interested people of vacancy id) | hire (offer id) |
    close (id) | closey (id). Citizens: browse (page) | see (vacancy id) | int (interested in
    vacancy id) | yes / no (answer to offer id). Every id is re-checked against the sender."""

    action: str
    id: int = 0
    page: int = 0
    v: str = ""


class SvCB(CallbackData, prefix="su"):
    """A supervisor's work: over (overdue list, page) | queue | open (case id, read-only; v =
    "a.<mahalla>.<assistant id>" when opened from the drill-down, where its Back returns) |
    ra (reassign case id: pick an assistant) | rto (case id to assistant v) | asst (assistants,
    page) | deact (assistant id) | deacty (confirmed) | inv (invite an assistant) |
    anw (announcement: where, v = c | r | d level to choose from) | anp (announcement to the
    place v) | ann (announcement: v = send | cancel). Every id and place is re-checked against
    the scopes (an admin's: anywhere)."""

    action: str
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
    re-checked against the scopes; the assistant chosen goes by SvCB(action="rto")."""

    case: int
    level: str
    code: str = ""
    page: int = 0


class AdmCB(CallbackData, prefix="ad"):
    """The admin menu: home | hlp (help) | set | sk / sd (setting number v) | ob (outbox) | fu |
    fr (role v) | fl (people: v = role.place, page) | card / ga / gs / gl (level v) / ra / rs /
    ray / rsy (user id) | imp (import). Announcements go by SvCB. Admin re-checked each press."""

    action: str
    id: int = 0
    page: int = 0
    v: str = ""
