"""A case's history as people read it: translated event texts, the step numbers on screen.

Events are stored for the audit trail in a plain, language-free form (a roadmap event's note is
"step 42: done", 42 being the step's database id, a due date ISO). Nothing of that form may
reach a person: each event is told here in the reader's language, a roadmap step by the number
it has on the roadmap screen, a date as the reader writes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from aiogram.utils.i18n import gettext as _

from bot.i18n import fmt_date, fmt_datetime
from bot.views.texts import esc, outcome_label, status_label
from db.models import Case, CaseEvent

EXCERPT = 300
SHOWN = 10  # the newest entries on a case card; older ones are counted
_ROADMAP_NOTE = re.compile(
    r"^step (?P<id>\d+): (?P<what>added|action changed|done|removed|no due date|"
    r"due (?P<due>\d{4}-\d{2}-\d{2}))$"
)


def first_name(name: str | None) -> str:
    parts = (name or "").split()
    return parts[0] if parts else "—"


def excerpt(text: str | None) -> str:
    """User text cut to a readable length, escaped for HTML."""
    text = (text or "").strip()
    return esc(text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…")


def roadmap_event_text(note: str | None, step_numbers: Mapping[int, int]) -> str:
    """'Roadmap, step 3: done' for the stored 'step 42: done' (42 the id, 3 on screen)."""
    found = _ROADMAP_NOTE.match(note or "")
    if found is None:
        return _("Roadmap changed")
    number = step_numbers.get(int(found["id"]))
    step = _("step {n}").format(n=number) if number is not None else _("a removed step")
    what = found["what"]
    if found["due"]:
        due = fmt_date(dt.date.fromisoformat(found["due"]))
        return _("Roadmap, {step}: due {date}").format(step=step, date=due)
    template = {
        "added": _("Roadmap, {step}: added"),
        "action changed": _("Roadmap, {step}: text changed"),
        "done": _("Roadmap, {step}: done"),
        "removed": _("Roadmap, {step}: removed"),
        "no due date": _("Roadmap, {step}: no due date"),
    }[what]
    return template.format(step=step)


def history_line(
    event: CaseEvent,
    case: Case,
    names: Mapping[int, str | None],
    step_numbers: Mapping[int, int],
    tz: dt.tzinfo,
    files: Sequence[str] = (),
) -> str:
    when = fmt_datetime(event.at, tz)
    who = esc(first_name(names.get(event.actor_id))) if event.actor_id else "🤖"
    if event.kind == "status":
        text = status_label(event.to_status or "")
        if event.to_status == "resolved" and event.note:
            text += " — " + outcome_label(event.note)
        elif event.to_status in ("rejected", "closed") and event.note:
            text += " — " + excerpt(event.note)
        return f"{when} · {who}: {text}"
    if event.kind == "note":
        return f"{when} · 📝 {who}: {excerpt(event.note)}"
    if event.kind == "message":
        arrow = "↩️" if event.actor_id == case.user_id else "✉️"
        said = [excerpt(event.note)] if event.note else []
        said += [esc(label) for label in files]
        return f"{when} · {arrow} {who}: {' '.join(said)}"
    if event.kind == "roadmap":
        return f"{when} · 🗺 {who}: {roadmap_event_text(event.note, step_numbers)}"
    if event.kind == "reassign":
        reason = f" — {excerpt(event.note)}" if event.note else ""
        return f"{when} · {who}: " + _("passed to another assistant") + reason
    return f"{when} · {who}: {excerpt(event.note)}"


def history_section(
    events: Sequence[CaseEvent],
    case: Case,
    names: Mapping[int, str | None],
    step_numbers: Mapping[int, int],
    tz: dt.tzinfo,
    attached: Mapping[int, Sequence[str]] | None = None,
) -> str:
    """The newest SHOWN entries under a heading, older ones counted; ``attached`` names the
    files that came with each message (event id -> "🎤 voice message, 0:42", …)."""
    lines = [_("<b>History</b>")]
    shown = list(events)
    if len(shown) > SHOWN:
        earlier = len(shown) - SHOWN
        lines.append(_("… {n} earlier entry", "… {n} earlier entries", earlier).format(n=earlier))
        shown = shown[-SHOWN:]
    lines += [
        history_line(event, case, names, step_numbers, tz, (attached or {}).get(event.id, ()))
        for event in shown
    ]
    return "\n".join(lines)
