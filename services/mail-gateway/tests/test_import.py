"""`helpdesk mail import` (issue 16, part 7): an mbox, a maildir and .eml files stored raw through
store_raw, each with its mail_stored for the parsers; imported twice, nothing is stored twice. The
command itself runs as a user runs it, finding the department by its name in ticketing's schema."""

from __future__ import annotations

import mailbox
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from helpdesk_cli.mail_import import ImportRefused, import_files, messages_in
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from ticketing.main import service as ticketing

REPO = Path(__file__).resolve().parents[3]


def message(number: int, subject: str = "Old ticket") -> bytes:
    return (
        f"From: customer{number}@acme.example\r\nTo: desk@ours.example\r\nSubject: {subject} {number}\r\n"
        f"Message-ID: <old-{number}@acme.example>\r\n\r\nBody {number}.\r\nFrom the desk of nobody\r\n"
    ).encode()


def sources(folder: Path) -> list[Path]:
    """Three mbox messages, two maildir messages, two .eml files: seven messages, all distinct."""
    box = mailbox.mbox(folder / "old.mbox")
    for number in range(3):
        box.add(message(number))
    box.close()
    maildir = mailbox.Maildir(folder / "Maildir")
    for number in range(3, 5):
        maildir.add(message(number))
    for number in range(5, 7):
        (folder / f"m{number}.eml").write_bytes(message(number))
    return [folder / "old.mbox", folder / "Maildir", folder / "m5.eml", folder / "m6.eml"]


async def test_an_mbox_a_maildir_and_eml_files_are_stored_once_however_often_imported(
    app: Any, database: TestDatabase, tmp_path: Path
) -> None:
    department = uuid.uuid4()
    files = sources(tmp_path)
    first = await import_files(database.url, department, files)
    second = await import_files(database.url, department, files)
    assert (first.stored, first.already_there) == (7, 0)
    assert (second.stored, second.already_there) == (0, 7)

    rows = await _sql(database, "SELECT source, state, message_id, file_name, raw FROM mail.inbound_messages")
    assert {row["message_id"] for row in rows} == {f"<old-{number}@acme.example>" for number in range(7)}
    assert {(row["source"], row["state"]) for row in rows} == {("import", "stored")}
    assert {row["file_name"] for row in rows} >= {"old.mbox#1", "m5.eml"}
    # The mbox's own From_ separator lines are not part of the messages.
    assert all(row["raw"].startswith(b"From: customer") for row in rows)
    events = await _sql(database, "SELECT event_type, subject FROM mail.outbox")
    assert [event["event_type"] for event in events] == ["mail_stored"] * 7
    assert {event["subject"] for event in events} == {f"mail.stored.{department}"}
    # Another department may hold the same messages.
    assert (await import_files(database.url, uuid.uuid4(), files[2:])).stored == 2


async def test_imported_messages_are_parsed_by_the_parser_role(
    parsers: Any, database: TestDatabase, tmp_path: Path
) -> None:
    await parsers.start()
    department = uuid.uuid4()
    await import_files(database.url, department, sources(tmp_path))

    async def all_parsed() -> bool:
        return len(await parsers.published("mail.inbound.")) == 7

    await eventually(all_parsed, within=30, what="seven imported messages parsed")
    subjects = {event["data"]["subject"] for event in await parsers.published("mail.inbound.")}
    assert subjects == {f"Old ticket {number}" for number in range(7)}


def test_what_is_no_mail_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(ImportRefused, match="no maildir"):
        list(messages_in(tmp_path / "folder"))
    with pytest.raises(ImportRefused, match="does not exist"):
        list(messages_in(tmp_path / "missing.mbox"))


async def test_the_command_finds_the_department_by_name_and_says_what_it_stored(
    app: Any, database: TestDatabase, tmp_path: Path
) -> None:
    await database.add_service(ticketing)
    department = uuid.uuid4()
    await _sql(database, f"INSERT INTO ticketing.departments (id, name) VALUES ('{department}', 'Support')")
    files = [str(path) for path in sources(tmp_path)]
    env = {**os.environ, "HELPDESK_DATABASE_URL": database.admin_url, "COLUMNS": "400"}
    command = [sys.executable, "-m", "helpdesk_cli.main", "mail", "import", "--database", database.name]

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *arguments], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
        )

    first = run("--department", "support", *files)
    assert first.returncode == 0, first.stderr
    assert "Stored 7 messages for the parsers; 0 were already there." in first.stdout
    again = run("--department", "Support", *files)
    assert "Stored 0 messages for the parsers; 7 were already there." in again.stdout
    rows = await _sql(database, "SELECT DISTINCT department_id FROM mail.inbound_messages")
    assert [row["department_id"] for row in rows] == [department]
    unknown = run("--department", "Nobody", *files)
    assert unknown.returncode == 1 and "no department is named 'Nobody'" in unknown.stderr


async def _sql(database: TestDatabase, query: str) -> list[Any]:
    connection = await asyncpg.connect(libpq_url(database.url))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()
