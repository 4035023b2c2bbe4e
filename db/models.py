"""SQLAlchemy 2 typed models: the whole schema in one readable file.

Times are stored as timezone-aware UTC. Codes (SOATO, mahalla codes) are text, never numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy import Date as sa_Date
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- administrative registry -------------------------------------------------------------


class Region(Base):
    __tablename__ = "regions"

    soato: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_uz: Mapped[str] = mapped_column(String(200))
    name_uz_cyrl: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))


class District(Base):
    __tablename__ = "districts"

    soato: Mapped[str] = mapped_column(String(10), primary_key=True)
    region_soato: Mapped[str] = mapped_column(ForeignKey("regions.soato"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_uz: Mapped[str] = mapped_column(String(200))
    name_uz_cyrl: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))

    region: Mapped[Region] = relationship(lazy="raise")


class Mahalla(Base):
    __tablename__ = "mahallas"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    district_soato: Mapped[str] = mapped_column(ForeignKey("districts.soato"), index=True)
    name_uz: Mapped[str] = mapped_column(String(200))
    name_uz_cyrl: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str | None] = mapped_column(String(200))
    # Script- and apostrophe-folded names, for search by any fragment (see services/translit).
    search_key: Mapped[str] = mapped_column(String(600), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District] = relationship(lazy="raise")


# --- people and roles --------------------------------------------------------------------


class User(Base):
    """Anyone who has started the bot. Personal fields are nullable: they are erased on request."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="uz")
    locale_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(8))
    mahalla_code: Mapped[str | None] = mapped_column(ForeignKey("mahallas.code"), index=True)
    consent_version: Mapped[int | None] = mapped_column(Integer)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssistantAssignment(Base):
    """An assistant serving a mahalla from `active_from` until `active_to` (open = current)."""

    __tablename__ = "assistant_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mahalla_code: Mapped[str] = mapped_column(ForeignKey("mahallas.code"), index=True)
    active_from: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    active_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SupervisorScope(Base):
    """A supervisor's area: level 'district' or 'region' with a SOATO code, or 'country'."""

    __tablename__ = "supervisor_scopes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    place_code: Mapped[str | None] = mapped_column(String(10))
    active_from: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    active_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Invite(Base):
    """A single-use invite. Only the SHA-256 of the token is kept, so a database leak grants nothing."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # assistant | supervisor
    level: Mapped[str] = mapped_column(String(16))  # mahalla | district | region | country
    place_code: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# --- infrastructure ----------------------------------------------------------------------


class FsmRecord(Base):
    """aiogram conversation state, kept in the database so a restart loses nothing."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """A Telegram update already handled, so a re-delivery (after a crash before the polling
    offset was confirmed, or a webhook retry) is skipped. Rows older than a few days are pruned:
    Telegram keeps an unconfirmed update for 24 hours at most.

    `done` is false from the update's first commit, when that came before its answer went out,
    until the update ended: a re-delivery of an update not done was cut off by a crash after its
    work was stored, and the person is shown where they are (bot/handlers/recovery.py)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class OutboxMessage(Base):
    """A message the service sends on its own: written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    # {"text": str, "reply_markup": dict | None} or {"photo" | "document": {"caption": str}}
    # with the bytes in `file_id` (one file row can go to many chats).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_files.id"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # queued | sending | sent | failed | blocked | expired
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A message that is pointless later (this morning's reminder) is dropped after this moment.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxFile(Base):
    """A photo or document the outbox sends (a chart, an export), stored once for every chat.

    After the first upload Telegram's file_id is kept, so the other chats get it without
    uploading the bytes again.
    """

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


REFERENCE_TABLES = ("regions", "districts")


# --- questionnaires and cases ------------------------------------------------------------


class Draft(Base):
    """A questionnaire in progress: saved after every answer, keeps the version it started on."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_user_flow", "user_id", "flow_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    flow_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the question on screen
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    """A citizen's request. It belongs to the mahalla: its current assistant works it."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_mahalla_status", "mahalla_code", "status"),
        Index("ix_cases_district_status", "district_soato", "status"),
        Index("ix_cases_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # needs | job | internship | business
    mahalla_code: Mapped[str] = mapped_column(ForeignKey("mahallas.code"))
    district_soato: Mapped[str] = mapped_column(String(10))
    region_soato: Mapped[str] = mapped_column(String(10), index=True)
    # Set only when a supervisor reassigned the case to someone other than the mahalla's assistant.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    outcome: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    flow_id: Mapped[str] = mapped_column(String(40))
    flow_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    category: Mapped[str | None] = mapped_column(String(8))
    income_per_person: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Time limits, fixed at creation from the working-day calendar (see services/workdays).
    accept_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    resolve_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    escalate_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # twice overdue
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)


class CaseEvent(Base):
    """Audit trail: every status change and note, with who and when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # status | note | message | reassign | roadmap
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class CaseFile(Base):
    """A voice note, video note, photo or document on a case: an answer, a paper attached to an
    answer, or part of a message between the citizen and the assistant.

    Only Telegram's ids are kept (the bot re-sends by ``file_id``); nothing is downloaded.
    """

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    # The relayed message it came with; None for questionnaire answers and attachments.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id"), index=True)
    question_id: Mapped[str | None] = mapped_column(String(40))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(12))  # voice | video_note | photo | document
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds (voice, video note)
    size: Mapped[int | None] = mapped_column(BigInteger)  # bytes, when Telegram says
    # Telegram's media_group_id when it came in an album: the album's other parts follow it.
    album_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoadmapStep(Base):
    """One institution's action for a family: suggested from the questionnaire, then edited."""

    __tablename__ = "roadmap_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    institution: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(32))
    # The action in the three languages when suggested ({"uz": …}); free text when typed.
    action: Mapped[dict[str, str]] = mapped_column(JSON)
    due_date: Mapped[dt.date | None] = mapped_column(sa_Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned | done | dropped
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- jobs, vacancies, scheduled work -----------------------------------------------------


class Job(Base):
    """A job an assistant created (the ledger). Linked to a citizen, it awaits their word."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_assistant_date", "assistant_id", "work_date"),
        Index("ix_jobs_district_date", "district_soato", "work_date"),
        Index("ix_jobs_region_date", "region_soato", "work_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mahalla_code: Mapped[str] = mapped_column(ForeignKey("mahallas.code"), index=True)
    district_soato: Mapped[str] = mapped_column(String(10))
    region_soato: Mapped[str] = mapped_column(String(10))
    # permanent | temporary | self_employment | new_business | internship | public_works
    kind: Mapped[str] = mapped_column(String(20))
    employer: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    work_date: Mapped[dt.date] = mapped_column(sa_Date)  # local date it counts for
    # recorded | pending (awaits the citizen) | confirmed | disputed
    status: Mapped[str] = mapped_column(String(12), default="recorded")
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TaskRun(Base):
    """A claimed run of a scheduled job for one period: claimed once, so never sent twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))  # e.g. 2026-11-26, 2026-W48, case:123
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)


# --- vacancies ---------------------------------------------------------------------------


class Vacancy(Base):
    """A job an assistant posts for their district; offered to the seekers whose request fits.

    ``mahalla_code`` None means anywhere in the district. It closes when its places are filled
    or its closing date passes (``status`` open | closed, ``closed_reason`` filled | expired |
    withdrawn).
    """

    __tablename__ = "vacancies"
    __table_args__ = (
        Index("ix_vacancies_district_status", "district_soato", "status"),
        Index("ix_vacancies_status_closes", "status", "closes_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    district_soato: Mapped[str] = mapped_column(String(10))
    region_soato: Mapped[str] = mapped_column(String(10))
    mahalla_code: Mapped[str | None] = mapped_column(ForeignKey("mahallas.code"))
    title: Mapped[str] = mapped_column(String(200))
    employer: Mapped[str] = mapped_column(String(200))
    occupation: Mapped[str] = mapped_column(String(20))  # an id of services/occupations
    kind: Mapped[str] = mapped_column(String(16))  # full_time | part_time | seasonal | remote
    pay: Mapped[int | None] = mapped_column(BigInteger)  # so'm a month; None = by agreement
    places: Mapped[int] = mapped_column(Integer, default=1)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    closes_on: Mapped[dt.date] = mapped_column(sa_Date)  # last local day it is open
    status: Mapped[str] = mapped_column(String(12), default="open")
    closed_reason: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class VacancyOffer(Base):
    """A vacancy put to one citizen (for their open job or internship request) and their answer.

    ``source`` "offer" counts toward the daily limit of offers a citizen receives; "browse"
    rows are made when citizens answer a vacancy they found themselves.
    """

    __tablename__ = "vacancy_offers"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "citizen_id", name="uq_vacancy_offers_vacancy_citizen"),
        Index("ix_vacancy_offers_citizen_day", "citizen_id", "offered_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    source: Mapped[str] = mapped_column(String(8), default="offer")  # offer | browse
    offered_on: Mapped[dt.date] = mapped_column(sa_Date)  # local date, for the daily limit
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(12))  # interested | declined
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))


# --- settings changed at run time ---------------------------------------------------------


class SettingOverride(Base):
    """A target or time limit an admin changed without a restart (bot or command line); the
    effective value overrides the configured one (`bot/services/runtime_settings.py`)."""

    __tablename__ = "setting_overrides"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # a Settings field name
    value: Mapped[str] = mapped_column(String(100))
    changed_by: Mapped[str] = mapped_column(String(40))  # "tg:<id>" or "cli"
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
