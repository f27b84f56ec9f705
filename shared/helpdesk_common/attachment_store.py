"""The object store bucket holding attachment bytes (ticketing's uploads and downloads, and the mail
gateway's parser, which stores what a message carries for ticketing to list); each user connects to
NATS on first use.

While NATS is away every operation fails at once with a retryable 503 instead of waiting: an upload
that waited would be answered with a timeout by the gateway and then stored behind the client's
back when NATS came back, so that the client's retry made a second attachment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import IO, TypeVar

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.object_store import ObjectStore

from helpdesk_common.errors import HelpdeskError, NotFound

log = logging.getLogger(__name__)
T = TypeVar("T")
# Long enough for the largest attachment over a working connection; a store that is this slow is down.
OPERATION_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 3.0


class AttachmentStoreUnavailable(HelpdeskError):
    status_code = 503
    problem_type = "urn:helpdesk:problem:attachment-store-unavailable"
    title = "Attachment store unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The attachment store is not reachable right now; nothing was stored. Try again shortly.",
            headers={"Retry-After": "5"},
        )


class AttachmentFileMissing(NotFound):
    problem_type = "urn:helpdesk:problem:attachment-file-missing"


class AttachmentStorage:
    def __init__(self, nats_url: str, bucket: str, *, replicas: int = 1) -> None:
        self.nats_url = nats_url
        self.bucket = bucket
        self.replicas = replicas
        self._client: Client | None = None
        self._store: ObjectStore | None = None
        self._lock = asyncio.Lock()

    async def store(self) -> ObjectStore:
        async with self._lock:
            if self._client is None:
                self._client = await self._guarded(self._connect(), CONNECT_TIMEOUT_SECONDS)
            if not self._client.is_connected:
                raise AttachmentStoreUnavailable()
            if self._store is None:
                self._store = await self._guarded(self._bucket(self._client), CONNECT_TIMEOUT_SECONDS)
            return self._store

    async def put(self, name: str, data: IO[bytes]) -> None:
        store = await self.store()
        await self._guarded(store.put(name, data), OPERATION_TIMEOUT_SECONDS)  # type: ignore[arg-type]

    async def get_into(self, name: str, target: IO[bytes]) -> None:
        store = await self.store()
        try:
            await self._guarded(store.get(name, writeinto=target), OPERATION_TIMEOUT_SECONDS)  # type: ignore[arg-type]
        except NotFoundError as error:
            raise AttachmentFileMissing(f"The file of attachment {name} is no longer stored.") from error

    async def delete(self, name: str) -> None:
        """Called after the reference is gone: an object that could not be deleted is only unreferenced."""
        try:
            store = await self.store()
            await self._guarded(store.delete(name), OPERATION_TIMEOUT_SECONDS)
        except NotFoundError:
            pass
        except AttachmentStoreUnavailable:
            log.warning("attachment %s left in the store: NATS is not reachable", name)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def _connect(self) -> Client:
        # Reconnects for ever once connected; the first connection is bounded by the caller instead.
        return await nats.connect(self.nats_url, max_reconnect_attempts=-1, connect_timeout=2)

    async def _bucket(self, client: Client) -> ObjectStore:
        js = client.jetstream()
        try:
            return await js.object_store(self.bucket)
        except (BucketNotFoundError, NotFoundError):
            return await js.create_object_store(self.bucket, replicas=self.replicas)

    @staticmethod
    async def _guarded(operation: Awaitable[T], seconds: float) -> T:
        try:
            return await asyncio.wait_for(operation, seconds)
        except NotFoundError:
            raise
        except (TimeoutError, NatsError, OSError) as error:
            raise AttachmentStoreUnavailable() from error
