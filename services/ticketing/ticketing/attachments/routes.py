"""HTTP for attachments: streamed uploads, downloads, and a text view no browser executes."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from helpdesk_common.attachment_store import AttachmentStorage
from helpdesk_common.auth import Operator
from helpdesk_common.db import Session, driver_connection
from helpdesk_common.errors import PayloadTooLarge, ValidationFailed
from helpdesk_common.idempotency import Answer, IdempotencyKey, fingerprint, once
from ticketing.access import ticket_access
from ticketing.attachments.service import (
    AttachmentOut,
    add_upload,
    list_attachments,
    stored_attachment,
    viewable_as_text,
)
from ticketing.tickets.path import NUMBER

router = APIRouter(prefix=f"/{NUMBER}/attachments", tags=["attachments"])
Reader = Annotated[Operator, Depends(ticket_access())]
Editor = Annotated[Operator, Depends(ticket_access("tickets_edit"))]
SPOOL_IN_MEMORY = 1024 * 1024
CHUNK = 256 * 1024
# Whatever a file claims to be, the browser gets no chance to run it as a page.
NEVER_EXECUTE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@router.post(
    "",
    status_code=201,
    response_model=AttachmentOut,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def upload(
    number: str,
    request: Request,
    operator: Editor,
    session: Session,
    name: Annotated[str, Query(min_length=1, max_length=255, description="The file's name.")],
    comment_id: Annotated[
        uuid.UUID | None, Query(description="A comment of this ticket the file belongs to (sent with it).")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The request body is the file itself (any Content-Type); it is streamed to the store."""
    max_bytes: int = request.app.state.settings.attachment_max_bytes
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size, digest = await _receive(request, spool, max_bytes)
        if size == 0:
            raise ValidationFailed("file", "The file is empty.")
        spool.seek(0)

        async def work() -> Answer:
            added = await add_upload(
                session,
                _storage(request),
                operator=operator,
                number=number,
                file_name=name,
                content_type=request.headers.get("content-type"),
                data=spool,  # type: ignore[arg-type]
                size=size,
                max_bytes=max_bytes,
                comment_id=comment_id,
            )
            return Answer(201, added.model_dump_json().encode())

        answer = await once(
            await driver_connection(session),
            key=idempotency_key,
            operator_id=operator.id,
            request=lambda: fingerprint("upload", number.upper(), name, str(comment_id), digest),
            work=work,
        )
    await session.commit()
    return answer.response()


@router.get("")
async def list_(number: str, operator: Reader, session: Session) -> list[AttachmentOut]:
    return await list_attachments(session, operator=operator, number=number)


@router.get(
    "/{attachment_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file, with the Content-Type it was stored with (its `content_type`).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def download(
    number: str, attachment_id: uuid.UUID, request: Request, operator: Reader, session: Session
) -> StreamingResponse:
    found: Any = await stored_attachment(
        session, operator=operator, number=number, attachment_id=attachment_id
    )
    spool = await _fetch(request, found.object_name)
    headers = {
        **NEVER_EXECUTE,
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}",
        "Content-Length": str(found.size),
    }
    return StreamingResponse(_chunks(spool), media_type=found.content_type, headers=headers)


@router.get(
    "/{attachment_id}/view",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "The file as UTF-8 text (undecodable bytes replaced), shown inline.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def view(
    number: str, attachment_id: uuid.UUID, request: Request, operator: Reader, session: Session
) -> Response:
    """Text-like files (.txt .log .json .xml .csv, text/*) as plain UTF-8 text, shown inline."""
    found: Any = await stored_attachment(
        session, operator=operator, number=number, attachment_id=attachment_id
    )
    if not viewable_as_text(found.name, found.content_type):
        raise ValidationFailed("attachment_id", f"{found.name} is not a text file; download it instead.")
    spool = await _fetch(request, found.object_name)
    text = spool.read().decode("utf-8", errors="replace")
    spool.close()
    headers = {**NEVER_EXECUTE, "Content-Disposition": f"inline; filename*=UTF-8''{quote(found.name)}"}
    return Response(text, media_type="text/plain; charset=utf-8", headers=headers)


async def _receive(request: Request, spool: IO[bytes], max_bytes: int) -> tuple[int, bytes]:
    """The file's size and SHA-256 digest (what a retried upload is recognised by)."""
    size = 0
    digest = hashlib.sha256()
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"Attachments may be at most {max_bytes} bytes.")
        spool.write(chunk)
        digest.update(chunk)
    return size, digest.digest()


async def _fetch(request: Request, object_name: str) -> IO[bytes]:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    await _storage(request).get_into(object_name, spool)
    spool.seek(0)
    return spool


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def _storage(request: Request) -> AttachmentStorage:
    storage: AttachmentStorage = request.app.state.attachments
    return storage
