"""Attachments (seed 10.4): bytes in the JetStream object store, limits, blocked types, safe viewing."""

from __future__ import annotations

import hashlib
import os

import httpx

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN


async def new_ticket(ticketing_app: Ticketing) -> str:
    await ticketing_app.switch_module(True)
    response = await ticketing_app.client.post(
        "/", json={"title": "Logs"}, headers=ticketing_app.as_operator(*ADMIN)
    )
    return str(response.json()["number"])


async def test_an_upload_is_stored_listed_downloaded_intact_and_viewed_as_text(
    ticketing_app: Ticketing,
) -> None:
    number = await new_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN, username="ada")
    payload = os.urandom(3 * 1024 * 1024 + 17)
    uploaded = await ticketing_app.client.post(
        f"/{number}/attachments",
        params={"name": "../../etc/disk.bin"},
        content=payload,
        headers={**headers, "content-type": "application/octet-stream"},
    )
    assert uploaded.status_code == 201, uploaded.text
    image = uploaded.json()
    assert (
        image["name"] == "disk.bin" and image["size"] == len(payload) and image["uploaded_by_name"] == "ada"
    )
    assert image["origin"] == "upload" and image["viewable_as_text"] is False

    log = await ticketing_app.client.post(
        f"/{number}/attachments",
        params={"name": "app.log"},
        content=b"<script>alert(1)</script>\nERROR disk full\n",
        headers={**headers, "content-type": "text/html"},
    )
    assert log.json()["viewable_as_text"] is True

    listed = (await ticketing_app.client.get(f"/{number}/attachments", headers=headers)).json()
    assert [a["name"] for a in listed] == ["disk.bin", "app.log"]

    download = await ticketing_app.client.get(
        f"/{number}/attachments/{image['id']}/download", headers=headers
    )
    assert download.status_code == 200
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(payload).digest()
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"

    view = await ticketing_app.client.get(f"/{number}/attachments/{log.json()['id']}/view", headers=headers)
    assert view.headers["content-type"] == "text/plain; charset=utf-8", "never served as HTML"
    assert "sandbox" in view.headers["content-security-policy"]
    assert "ERROR disk full" in view.text
    not_text = await ticketing_app.client.get(f"/{number}/attachments/{image['id']}/view", headers=headers)
    assert not_text.status_code == 422


async def test_blocked_extensions_and_oversized_files_are_refused_and_nothing_is_stored(
    ticketing_app: Ticketing,
) -> None:
    number = await new_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN)
    await ticketing_app.client.put(
        "/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": ["EXE"]},
        headers=ticketing_app.as_operator("settings_system_enabled"),
    )
    blocked = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "Setup.EXE"}, content=b"MZ", headers=headers
    )
    assert blocked.status_code == 422 and blocked.json()["errors"][0]["field"] == "file"

    too_big = await ticketing_app.client.post(
        f"/{number}/attachments",
        params={"name": "big.bin"},
        content=b"x" * (25 * 1024 * 1024 + 1),
        headers=headers,
    )
    assert too_big.status_code == 413
    empty = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "e.txt"}, content=b"", headers=headers
    )
    assert empty.status_code == 422
    assert (await ticketing_app.client.get(f"/{number}/attachments", headers=headers)).json() == []
    reader = ticketing_app.as_operator("tickets_enabled", "tickets_view_all_departments")
    refused = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "a.txt"}, content=b"a", headers=reader
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_edit"


async def test_by_default_programs_and_scripts_are_refused_however_their_names_are_disguised(
    ticketing_app: Ticketing,
) -> None:
    number = await new_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN)
    disguised = [
        "setup.exe",
        "run.PS1",
        "invoice.pdf.js",
        "a.exe::$DATA",
        "a.exe:Zone.Identifier",
        "a.exe.",
        "a.exe . .",
        "a.exe\x00.txt",
        "photo\u202egpj.exe",
        "C:\\Users\\ada\\tool.bat",
        "../../evil.hta",
    ]
    for name in disguised:
        refused = await ticketing_app.client.post(
            f"/{number}/attachments", params={"name": name}, content=b"MZ", headers=headers
        )
        assert refused.status_code == 422, (name, refused.text)
        assert refused.json()["errors"][0]["field"] == "file"
    assert (await ticketing_app.client.get(f"/{number}/attachments", headers=headers)).json() == []
    kept = await ticketing_app.client.post(
        f"/{number}/attachments", params={"name": "notes.txt::$DATA"}, content=b"fine", headers=headers
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["name"] == "notes.txt"


async def test_a_file_sent_with_a_comment_belongs_to_it_and_only_to_a_comment_of_its_ticket(
    ticketing_app: Ticketing,
) -> None:
    number, other = await new_ticket(ticketing_app), await new_ticket(ticketing_app)
    headers = ticketing_app.as_operator(*ADMIN, username="ada")
    note = await ticketing_app.client.post(
        f"/{number}/comments",
        json={"body": "The log is attached.", "body_format": "plain_text", "direction": "internal"},
        headers=headers,
    )
    assert note.status_code == 201, note.text
    comment_id = note.json()["id"]

    async def upload(ticket: str, comment: str) -> httpx.Response:
        return await ticketing_app.client.post(
            f"/{ticket}/attachments",
            params={"name": "boot.log", "comment_id": comment},
            content=b"booted\n",
            headers={**headers, "content-type": "text/plain"},
        )

    attached = await upload(number, comment_id)
    assert attached.status_code == 201, attached.text
    assert attached.json()["comment_id"] == comment_id and attached.json()["origin"] == "comment"

    elsewhere = await upload(other, comment_id)
    assert elsewhere.status_code == 422
    refused = {"field": "comment_id", "message": "This ticket has no such comment."}
    assert elsewhere.json()["errors"] == [refused]
    listed = (await ticketing_app.client.get(f"/{other}/attachments", headers=headers)).json()
    assert listed == [], "a refused file is not stored"
