"""HTTP for sign-in: login, logout, who am I."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.config import GatewaySettings
from gateway.identity.authentication import CSRF_COOKIE, Authenticator, SignedIn
from gateway.identity.operators.schemas import OperatorOut
from gateway.identity.operators.service import get_operator
from gateway.identity.secrets import token_digest
from gateway.identity.signin.service import sign_in, sign_out
from helpdesk_common.db import Session
from helpdesk_common.http.openapi import RETRY_AFTER, problem

router = APIRouter(prefix="/api/auth", tags=["sign-in"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class SignedInOut(BaseModel):
    operator: OperatorOut
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every cookie-authenticated write.")
    expires_at: datetime


@router.post(
    "/login",
    # Public: this is where credentials come from.
    openapi_extra={"security": []},
    responses={
        401: problem("The username or password is wrong, or the account is disabled."),
        429: problem("Too many failed sign-ins for this account or address.", headers=RETRY_AFTER),
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
