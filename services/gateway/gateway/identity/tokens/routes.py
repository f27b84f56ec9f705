"""HTTP for personal API tokens (each operator manages their own)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from gateway.identity.authentication import Authenticator, SignedIn
from gateway.identity.tokens.schemas import TokenCreate, TokenCreated, TokenOut
from gateway.identity.tokens.service import create_token, list_tokens, revoke_token
from helpdesk_common.db import Session

router = APIRouter(prefix="/api/auth/tokens", tags=["api tokens"])


@router.post("", status_code=201)
async def create(data: TokenCreate, principal: SignedIn, request: Request, session: Session) -> TokenCreated:
    created = await create_token(
        session,
        operator_id=principal.operator.id,
        data=data,
        max_days=request.app.state.settings.api_token_max_days,
    )
    await session.commit()
    return created


@router.get("")
async def list_(principal: SignedIn, session: Session) -> list[TokenOut]:
    return await list_tokens(session, operator_id=principal.operator.id)


@router.delete("/{token_id}", status_code=204)
async def revoke(token_id: uuid.UUID, principal: SignedIn, request: Request, session: Session) -> None:
    digest = await revoke_token(session, operator_id=principal.operator.id, token_id=token_id)
    await session.commit()
    authenticator: Authenticator = request.app.state.authenticator
    authenticator.forget(digest)
