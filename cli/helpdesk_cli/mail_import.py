"""`helpdesk mail import`: messages from an mbox, a maildir or `.eml` files stored raw in a department's
inbound store, through the poller's own `store_raw`, so the parser role turns them into tickets as it
does fetched mail (for migrations from another helpdesk). Importing the same messages again stores
nothing twice (the store keeps imports unique per department and SHA-256 of the bytes)."""

from __future__ import annotations

import mailbox
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from helpdesk_common.db import create_engine, create_session_factory, libpq_url
from mail_gateway.inbound.store import store_raw
from mail_gateway.main import service as mail_gateway

# Messages per transaction: an import of many thousands writes in batches, events with their rows.
BATCH = 200


class ImportRefused(Exception):
    """The import cannot start (no such department, a file that is none of the three kinds)."""


@dataclass
class Imported:
    stored: int = 0
    already_there: int = 0


def messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    """(a name for the message, its bytes) for every message of a maildir, an mbox or one message file."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise ImportRefused(f"{path} is a folder but no maildir (it has no cur/ and new/)")
        folder = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(folder.keys()):
            yield f"{path.name}/{key}", folder.get_bytes(key)
        return
    if not path.is_file():
        raise ImportRefused(f"{path} does not exist")
    with path.open("rb") as file:
        is_mbox = file.read(5) == b"From "
    if not is_mbox:
        yield path.name, path.read_bytes()
        return
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for number, key in enumerate(box.keys(), start=1):
            yield f"{path.name}#{number}", box.get_bytes(key)
    finally:
        box.close()


async def department_id(admin_url: str, department: str) -> uuid.UUID:
    """The department by id, or by name as ticketing knows it (the departments are ticketing's)."""
    try:
        return uuid.UUID(department)
    except ValueError:
        pass
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        found = await connection.fetch(
            "SELECT id FROM ticketing.departments WHERE lower(name) = lower($1)", department
        )
    finally:
        await connection.close()
    if not found:
        raise ImportRefused(f"no department is named {department!r}")
    return uuid.UUID(str(found[0]["id"]))


async def import_files(admin_url: str, department: uuid.UUID, paths: list[Path]) -> Imported:
    for path in paths:
        if not path.exists():
            raise ImportRefused(f"{path} does not exist")
    engine = create_engine(admin_url, schema=mail_gateway.schema, pool_size=1)
    sessions = create_session_factory(engine)
    counts = Imported()
    try:
        for path in paths:
            pending = messages_in(path)
            while True:
                batch = [item for _, item in zip(range(BATCH), pending, strict=False)]
                if not batch:
                    break
                async with sessions() as session, session.begin():
                    for name, raw in batch:
                        stored = await store_raw(
                            session, department_id=department, raw=raw, source="import", file_name=name
                        )
                        if stored is None:
                            counts.already_there += 1
                        else:
                            counts.stored += 1
    finally:
        await engine.dispose()
    return counts
