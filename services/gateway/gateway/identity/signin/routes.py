"""HTTP for sign-in: login, logout, who am I, and an administrator's unlock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from gateway.config import GatewaySettings
from gateway.identity.authentication import CSRF_COOKIE, Authenticator, SignedIn, require_flag
from gateway.identity.operators.schemas import OperatorOut
from gateway.identity.operators.service import get_operator
from gateway.identity.principal import Principal
from gateway.identity.secrets import token_digest
from gateway.identity.signin.clients import DEVICE_COOKIE
from gateway.identity.signin.service import clear_locks, sign_in, sign_out
from gateway.identity.signin.throttle import ClearedThrottle
from helpdesk_common.db import Session
from helpdesk_common.http.openapi import RETRY_AFTER, problem
from helpdesk_common.inputs import RequestModel, Verbatim

router = APIRouter(prefix="/api/auth", tags=["sign-in"])


class Credentials(RequestModel):
    username: str = Field(min_length=1, max_length=200)
    # Compared as typed: a password may begin or end with spaces.
    password: Annotated[str, Verbatim, Field(min_length=1, max_length=1024)]


class SignedInOut(BaseModel):
    operator: OperatorOut
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every cookie-authenticated write.")
    expires_at: datetime


class Unlock(RequestModel):
    username: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="An IPv4 or IPv6 address (IPv6 counts per /64).",
    )


class Unlocked(BaseModel):
    cleared: list[ClearedThrottle] = Field(
        description="The counts and locks removed; empty when none matched."
    )


@router.post(
    "/login",
    # Public: this is where credentials come from.
    openapi_extra={"security": []},
    responses={
        401: problem("Wrong username or password, or a disabled account: one answer for all."),
        429: problem("Too many failed sign-ins: wait for Retry-After seconds.", headers=RETRY_AFTER),
    },
)
async def login(
    credentials: Credentials, request: Request, response: Response, session: Session
) -> SignedInOut:
    settings: GatewaySettings = request.app.state.settings
    opened = await sign_in(
        session,
        username=credentials.username,
        password=credentials.password,
        address=request.client.host if request.client else "unknown",
        device_token=request.cookies.get(DEVICE_COOKIE),
        user_agent=request.headers.get("user-agent", ""),
        settings=settings,
    )
    operator = await get_operator(session, opened.operator_id)
    await session.commit()
    response.set_cookie(
        settings.session_cookie,
        opened.token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        expires=opened.expires_at,
    )
    # Readable by the console's script, which echoes it in X-CSRF-Token; another site cannot read it.
    response.set_cookie(
        CSRF_COOKIE,
        opened.csrf_token,
        httponly=False,
        samesite="strict",
        secure=settings.cookie_secure,
        expires=opened.expires_at,
    )
    # Sent only to sign-in, where it lets this browser in while others' failures lock the account.
    response.set_cookie(
        DEVICE_COOKIE,
        opened.device_token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/api/auth/login",
        max_age=int(timedelta(days=settings.throttle_known_client_days).total_seconds()),
    )
    return SignedInOut(operator=operator, csrf_token=opened.csrf_token, expires_at=opened.expires_at)


@router.post("/logout", status_code=204)
async def logout(principal: SignedIn, request: Request, response: Response, session: Session) -> None:
    settings: GatewaySettings = request.app.state.settings
    cookie = request.cookies.get(settings.session_cookie)
    if principal.method == "session" and cookie:
        digest = token_digest(cookie)
        await sign_out(session, token_hash=digest)
        await session.commit()
        authenticator: Authenticator = request.app.state.authenticator
        authenticator.forget(digest)
    response.delete_cookie(settings.session_cookie, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me")
async def me(principal: SignedIn, session: Session) -> OperatorOut:
    return await get_operator(session, principal.operator.id)


@router.post(
    "/unlock",
    responses={
        401: {"description": "Not signed in."},
        403: {"description": "The permission flag operators_manage is missing."},
        422: {"description": "Neither a username nor an address, or an address that is no IP address."},
    },
)
async def unlock(
    data: Unlock, admin: Annotated[Principal, require_flag("operators_manage")], session: Session
) -> Unlocked:
    """Clear the sign-in counts and locks of a username (every address and device), of an address
    (every username), or of one username at one address when both are given."""
    cleared = await clear_locks(session, username=data.username, address=data.address)
    await session.commit()
    return Unlocked(cleared=cleared)
