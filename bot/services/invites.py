"""Single-use invite links that grant the assistant or supervisor role.

The token is random (192 bits) and only its SHA-256 is stored. Redeeming is one conditional
UPDATE, so two people pressing the same link at once cannot both get the role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import registry, roles, supervision
from db.models import Invite, User, utcnow

TOKEN_PREFIX = "inv_"
_TOKEN_RE = re.compile(r"^inv_[A-Za-z0-9_-]{16,60}$")


class InviteError(ValueError):
    """A bad request to make an invite (unknown place, bad level)."""


class Redeemed(StrEnum):
    GRANTED = "granted"
    ALREADY = "already"  # valid, but the user already held exactly this role
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RedeemResult:
    outcome: Redeemed
    role: str | None = None
    level: str | None = None
    place_code: str | None = None
    #: Assistants whose term the link ended (they and the link's maker are to be told).
    replaced: tuple[User, ...] = ()
    created_by: int | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(payload: str | None) -> bool:
    return bool(payload) and bool(_TOKEN_RE.match(payload or ""))


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


async def create(
    session: AsyncSession,
    role: str,
    level: str,
    place_code: str | None,
    *,
    valid_days: int = 7,
    created_by: int | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Validate the target place, store the invite and return the token (shown once). It is
    made now unless a test says otherwise, like every row's `created_at`."""
    now = now or utcnow()
    if role == "assistant":
        if level != "mahalla" or not place_code:
            raise InviteError("an assistant invite needs a mahalla code")
        if await registry.get_mahalla(session, place_code) is None:
            raise InviteError(f"unknown mahalla code {place_code}")
    elif role == "supervisor":
        if level == "country":
            place_code = None
        elif level == "district":
            if not place_code or await registry.get_district(session, place_code) is None:
                raise InviteError(f"unknown district SOATO {place_code}")
        elif level == "region":
            if not place_code or await registry.get_region(session, place_code) is None:
                raise InviteError(f"unknown region SOATO {place_code}")
        else:
            raise InviteError(f"unknown supervisor level {level}")
    else:
        raise InviteError(f"unknown role {role}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    session.add(
        Invite(
            token_hash=_hash(token),
            role=role,
            level=level,
            place_code=place_code,
            created_by=created_by,
            created_at=now,
            expires_at=now + dt.timedelta(days=valid_days),
        )
    )
    await session.commit()
    return token


async def accept(
    session: AsyncSession,
    token: str,
    user: User,
    now: dt.datetime,
    notify: Callable[[RedeemResult], Awaitable[object]],
) -> RedeemResult:
    """Redeem a link, queue the notices its result asks for and commit: the role change and the
    word of it are one unit of work, committed before the person is answered."""
    result = await redeem(session, token, user, now)
    await notify(result)
    await session.commit()
    return result


async def redeem(session: AsyncSession, token: str, user: User, now: dt.datetime) -> RedeemResult:
    """Grant the invite's role to `user` if the token is valid, unused and not expired.

    Not committed: `accept` commits after queueing the notices the result asks for
    (`replaced`), so the role change and the word of it are one transaction."""
    if not looks_like_token(token):
        return RedeemResult(Redeemed.UNKNOWN)
    invite = await session.scalar(select(Invite).where(Invite.token_hash == _hash(token)))
    if invite is None:
        return RedeemResult(Redeemed.UNKNOWN)
    details = {"role": invite.role, "level": invite.level, "place_code": invite.place_code}
    if invite.used_at is not None:
        return RedeemResult(Redeemed.USED, **details)
    if invite.expires_at <= now:
        return RedeemResult(Redeemed.EXPIRED, **details)
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None))
        .values(used_at=now, used_by=user.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return RedeemResult(Redeemed.USED, **details)
    replaced: tuple[User, ...] = ()
    if invite.role == "assistant":
        assert invite.place_code is not None
        before = await supervision.mahalla_assistants(session, invite.place_code, now)
        granted = await roles.grant_assistant(session, user, invite.place_code, now)
        replaced = tuple(p for p in before if p.id != user.id) if granted else ()
    else:
        granted = await roles.grant_supervisor(session, user, invite.level, invite.place_code, now)
    return RedeemResult(
        Redeemed.GRANTED if granted else Redeemed.ALREADY,
        **details,
        replaced=replaced,
        created_by=invite.created_by,
    )
