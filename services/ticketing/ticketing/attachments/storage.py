"""The object store bucket holding attachment bytes; the API process connects to NATS on first use."""

from __future__ import annotations

import asyncio
from typing import IO

import nats
from nats.aio.client import Client
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.object_store import ObjectStore


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
            if self._store is None:
                self._client = await nats.connect(self.nats_url, max_reconnect_attempts=-1)
                js = self._client.jetstream()
                try:
                    self._store = await js.object_store(self.bucket)
                except (BucketNotFoundError, NotFoundError):
                    self._store = await js.create_object_store(self.bucket, replicas=self.replicas)
            return self._store

    async def put(self, name: str, data: IO[bytes]) -> None:
        await (await self.store()).put(name, data)  # type: ignore[arg-type]

    async def get_into(self, name: str, target: IO[bytes]) -> None:
        await (await self.store()).get(name, writeinto=target)  # type: ignore[arg-type]

    async def delete(self, name: str) -> None:
        try:
            await (await self.store()).delete(name)
        except NotFoundError:
            pass

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
