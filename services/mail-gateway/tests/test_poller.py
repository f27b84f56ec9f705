"""The poller against a real Dovecot, PostgreSQL and NATS: new messages stored raw once with their
cursor and flagged on the server only after their events were in JetStream; a poller stopped or
killed mid-mailbox and its successor; two pollers sharing mailboxes; a UIDVALIDITY change; IDLE and
interval polling; a 50 MB message in bounded memory; the health an administrator reads."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from helpdesk_common.contracts.ticketing import DepartmentChanged, DepartmentData, DepartmentSnapshot
from helpdesk_common.db import create_session_factory
from helpdesk_common.secrets import SecretBox
from mail_gateway.connections.endpoint import Endpoint
from mail_gateway.connections.imap import IMPORTED_KEYWORD, ImapConnection
from mail_gateway.mailboxes.service import delete_mailbox
from mail_gateway.polling.mailbox import MailboxWorker, PollerContext
from mail_gateway.projections.consumers import on_department_changed

Message = Callable[..., bytes]
IMPORTED = {"\\Seen", IMPORTED_KEYWORD}


def _uids(rows: list[Any]) -> list[int]:
    return [row.uid for row in rows]


async def test_new_messages_are_stored_once_and_flagged_only_after_their_events_are_published(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    for number in range(3):
        await imap_stack.dovecot.append(user, new_message(number))
    department_id = await imap_stack.add_mailbox(user)
    imap_stack.start_poller()

    stored = await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 3), what="three messages stored"
    )
    assert _uids(stored) == [1, 2, 3]
    # No relay yet: the events wait in the outbox, so nothing is flagged on the server.
    await asyncio.sleep(1.0)
    assert await imap_stack.outbox_count() == 3
    assert all(not flags & IMPORTED for flags in (await imap_stack.dovecot.flags(user)).values())

    await imap_stack.start_relay()
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 3), what="flagged once published")
    assert await imap_stack.outbox_count() == 0

    await imap_stack.dovecot.append(user, new_message(3))
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 4), what="the fourth flagged")
    stored = await imap_stack.stored(department_id)
    assert _uids(stored) == [1, 2, 3, 4]
    row = await imap_stack.mailbox(department_id)
    assert (row.imap_uidvalidity, row.imap_last_uid) == (imap_stack.dovecot.uidvalidity_now(user), 4)
    assert row.last_success_at is not None and row.last_poll_at is not None
    assert row.messages_waiting == 0 and not row.credentials_failing
    assert row.lease_holder is not None


async def test_a_stopped_poller_s_successor_continues_from_the_cursor(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    total = 300
    await asyncio.to_thread(
        imap_stack.dovecot.append_many_now, user, [new_message(number) for number in range(total)]
    )
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    # Batches of two, so the first poller is stopped in the middle of the mailbox.
    first = imap_stack.start_poller(mail_fetch_batch_messages=2)
    await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 6, at_least=True), what="some stored"
    )
    await imap_stack.stop_pollers()
    partial = len(await imap_stack.stored(department_id))
    assert 6 <= partial < total
    # It let the lease go when it stopped: the next poller need not wait for the expiry.
    assert (await imap_stack.mailbox(department_id)).lease_holder is None

    second = imap_stack.start_poller(mail_fetch_batch_messages=2)
    assert second.holder != first.holder
    stored = await imap_stack.eventually(lambda: _count(imap_stack, department_id, total), what="all of them")
    assert _uids(stored) == list(range(1, total + 1))
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, total), what="all flagged")


async def test_a_killed_poller_process_s_mailbox_is_taken_over_after_its_lease_expired(
    imap_stack: Any, new_message: Message
) -> None:
    """Pollers as real processes (`helpdesk run mail-gateway --role poller`); the first is killed with
    SIGKILL while it holds the lease."""
    user = imap_stack.dovecot.add_user()
    for number in range(5):
        await imap_stack.dovecot.append(user, new_message(number))
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    first = imap_stack.start_poller_process()
    await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 5), within=60, what="the first process stored"
    )
    held = await imap_stack.mailbox(department_id)
    assert held.lease_holder is not None and held.lease_holder.split(":")[1] == str(first.pid)

    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    for number in range(5, 8):
        await imap_stack.dovecot.append(user, new_message(number))
    second = imap_stack.start_poller_process()

    async def taken_over() -> Any:
        row = await imap_stack.mailbox(department_id)
        return row if row.lease_holder and row.lease_holder != held.lease_holder else None

    row = await imap_stack.eventually(taken_over, within=60, what="the second process took the mailbox")
    assert row.lease_holder.split(":")[1] == str(second.pid)
    # Not before the dead holder's lease (3 s here) had expired.
    assert time.monotonic() - killed_at >= 2.0
    stored = await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 8), within=60, what="all eight"
    )
    assert _uids(stored) == list(range(1, 9))
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 8), what="all eight flagged")


async def test_two_pollers_share_three_mailboxes_each_polled_by_one_at_a_time(
    imap_stack: Any, new_message: Message
) -> None:
    users = [imap_stack.dovecot.add_user() for _ in range(3)]
    departments = [await imap_stack.add_mailbox(user) for user in users]
    await imap_stack.start_relay()
    first = imap_stack.start_poller(mail_poll_interval_seconds=0.5)
    second = imap_stack.start_poller(mail_poll_interval_seconds=0.5)
    sessions_seen: list[dict[str, int]] = []

    async def append_and_watch() -> None:
        for number in range(10):
            for user in users:
                await imap_stack.dovecot.append(user, new_message(number))
            sessions_seen.append(await asyncio.to_thread(_imap_sessions, imap_stack.dovecot))
            await asyncio.sleep(0.2)

    await append_and_watch()
    for department_id in departments:
        stored = await imap_stack.eventually(
            lambda d=department_id: _count(imap_stack, d, 10), what="ten per mailbox"
        )
        assert _uids(stored) == list(range(1, 11))
    for user in users:
        await imap_stack.eventually(lambda u=user: _all_flagged(imap_stack, u, 10), what="flagged")
    # Never two pollers' IMAP sessions on one mailbox at the same time (Dovecot's own count).
    names = {user.name for user in users}
    assert any(names & set(seen) for seen in sessions_seen)
    for seen in sessions_seen:
        assert all(count <= 1 for name, count in seen.items() if name in names), seen
    # The mailboxes are shared out: two to one poller, one to the other.
    holders = [(await imap_stack.mailbox(department_id)).lease_holder for department_id in departments]
    assert sorted(holders.count(poller.holder) for poller in (first, second)) == [1, 2]


async def test_a_uidvalidity_change_imports_only_what_the_message_id_map_does_not_know(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    for number in range(3):
        await imap_stack.dovecot.append(user, new_message(number))
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    imap_stack.start_poller()
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 3), what="three imported")
    before = (await imap_stack.mailbox(department_id)).imap_uidvalidity
    await imap_stack.stop_pollers()

    # The server renumbers the folder (a rebuilt index, a migrated mailbox): new UIDVALIDITY, new UIDs,
    # and our keyword gone with the index.
    after = await asyncio.to_thread(imap_stack.dovecot.renumber, user)
    assert after != before
    await imap_stack.dovecot.append(user, new_message(99))
    imap_stack.start_poller()

    async def resynced() -> Any:
        row = await imap_stack.mailbox(department_id)
        return row if row.imap_uidvalidity == after and row.imap_last_uid == 4 else None

    await imap_stack.eventually(resynced, what="the cursor under the new UIDVALIDITY")
    stored = await imap_stack.stored(department_id)
    assert len(stored) == 4
    assert [(row.uidvalidity, row.uid) for row in stored[3:]] == [(after, 4)]
    assert len({row.message_id for row in stored}) == 4
    # The three known ones are flagged again under their new UIDs, with the new one.
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 4), what="all four flagged")


async def test_idle_wakes_the_poller_for_a_new_message(imap_stack: Any, new_message: Message) -> None:
    user = imap_stack.dovecot.add_user()
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    # IDLE would be renewed only after 10 minutes and no interval polling runs: only IDLE's EXISTS
    # can bring the message in.
    imap_stack.start_poller(mail_idle_seconds=600.0, mail_poll_interval_seconds=600.0)
    await imap_stack.eventually(lambda: _succeeded(imap_stack, department_id), what="a first round")
    await asyncio.sleep(0.5)
    appended = time.monotonic()
    await imap_stack.dovecot.append(user, new_message(1))
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 1), within=10, what="woken by IDLE")
    assert time.monotonic() - appended < 5


async def test_without_idle_the_folder_is_polled_on_the_interval(
    imap_stack: Any, new_message: Message
) -> None:
    await asyncio.to_thread(imap_stack.dovecot.restart, idle=False)
    user = imap_stack.dovecot.add_user()
    department_id = await imap_stack.add_mailbox(user, tls="starttls")
    await imap_stack.start_relay()
    imap_stack.start_poller(mail_poll_interval_seconds=1.0)
    await imap_stack.eventually(lambda: _succeeded(imap_stack, department_id), what="a first round")
    for number in range(2):
        await imap_stack.dovecot.append(user, new_message(number))
        await imap_stack.eventually(
            lambda n=number: _count(imap_stack, department_id, n + 1), within=10, what="polled"
        )
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 2), what="flagged")


async def test_a_server_restart_is_a_recorded_failure_and_the_poller_carries_on(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    imap_stack.start_poller()
    await imap_stack.eventually(lambda: _succeeded(imap_stack, department_id), what="a first round")
    await asyncio.to_thread(imap_stack.dovecot.stop)
    row = await imap_stack.eventually(
        lambda: _errored(imap_stack, department_id), what="the failure recorded"
    )
    assert row.last_error.startswith(("idle:", "connect:", "select:", "search:"))
    assert not row.credentials_failing
    await asyncio.to_thread(imap_stack.dovecot.start)
    await imap_stack.dovecot.append(user, new_message(1))
    await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 1), within=20, what="stored after the restart"
    )


async def test_a_bad_password_shows_in_the_health_and_the_other_mailboxes_go_on(
    imap_stack: Any, new_message: Message
) -> None:
    failing_user, working_user = imap_stack.dovecot.add_user(), imap_stack.dovecot.add_user()
    await imap_stack.dovecot.append(failing_user, new_message(1))
    await imap_stack.dovecot.append(working_user, new_message(2))
    failing = await imap_stack.add_mailbox(failing_user, password="wrong")
    working = await imap_stack.add_mailbox(working_user)
    await imap_stack.start_relay()
    imap_stack.start_poller()

    await imap_stack.eventually(lambda: _count(imap_stack, working, 1), what="the working mailbox imported")
    row = await imap_stack.eventually(lambda: _errored(imap_stack, failing), what="the failure recorded")
    assert row.credentials_failing
    assert row.last_error == "login: NO [AUTHENTICATIONFAILED] Authentication failed."
    assert row.last_error_at is not None and row.last_poll_at is not None
    assert row.last_success_at is None
    assert "wrong" not in row.last_error
    assert await imap_stack.stored(failing) == []
    # It keeps trying (with a growing delay), and an administrator's fix is picked up.
    await imap_stack.dovecot.append(working_user, new_message(3))
    await imap_stack.eventually(lambda: _count(imap_stack, working, 2), what="the working mailbox goes on")
    await imap_stack.set_password(failing, failing_user.password)
    await imap_stack.eventually(lambda: _count(imap_stack, failing, 1), what="the fixed mailbox imported")
    await imap_stack.eventually(lambda: _succeeded(imap_stack, failing), what="its success recorded")
    assert not (await imap_stack.mailbox(failing)).credentials_failing


async def test_an_oauth2_mailbox_is_polled_with_its_refresh_token(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    grant = imap_stack.dovecot.tokens.grant(user.name)
    await imap_stack.dovecot.append(user, new_message(1))
    department_id = await imap_stack.add_mailbox(user, grant=grant, mechanism="OAUTHBEARER")
    await imap_stack.start_relay()
    imap_stack.start_poller()
    await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 1), what="stored through OAUTHBEARER"
    )
    imap_stack.dovecot.tokens.revoke(grant.refresh_token)
    await asyncio.to_thread(imap_stack.dovecot.restart)
    # First the dropped connection, then the refused access token, then the refused refresh.
    row = await imap_stack.eventually(
        lambda: _errored(imap_stack, department_id, containing="invalid_grant"),
        what="the revoked grant recorded",
    )
    assert row.credentials_failing
    assert grant.refresh_token not in row.last_error and grant.client_secret not in row.last_error


async def test_a_50_mb_message_is_stored_without_several_copies_in_memory(imap_stack: Any) -> None:
    size = 50 * 1024 * 1024
    line = b"0123456789abcdef" * 4 + b"\r\n"
    body = line * (size // len(line))
    raw = b"From: big@example.com\r\nSubject: big\r\nMessage-ID: <big@example.com>\r\n\r\n" + body
    del body
    expected_size = len(raw)
    user = imap_stack.dovecot.add_user()
    await imap_stack.dovecot.append(user, raw)
    department_id = await imap_stack.add_mailbox(user)
    del raw
    await imap_stack.start_relay()
    # Fetching alone: the literal is received into one buffer of its announced size.
    endpoint = Endpoint(
        "localhost",
        imap_stack.dovecot.tls_port,
        "implicit",
        user.name,
        password=user.password,
        ca_file=imap_stack.dovecot.ca_file,
    )
    connection = await ImapConnection.open(endpoint)
    await connection.select("INBOX")
    tracemalloc.start()
    try:
        fetched = await connection.fetch([1])
        _, fetch_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await connection.close()
    assert len(fetched[0].raw) == expected_size
    del fetched
    assert fetch_peak < 1.2 * size, f"fetching peaked at {fetch_peak / size:.2f} times the message"

    # The mailbox's worker alone, in this process under tracemalloc, holding the lease as its poller
    # would.
    async with imap_stack.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE mailboxes SET lease_holder = 'measured', "
                "lease_expires_at = now() + interval '1 hour' WHERE department_id = :id"
            ),
            {"id": department_id},
        )
    from helpdesk_common.db import create_engine, create_session_factory

    engine = create_engine(imap_stack.url, schema="mail", pool_size=2)
    context = PollerContext(engine, create_session_factory(engine), imap_stack.settings(), "measured")
    worker = MailboxWorker(context, department_id)
    stop = asyncio.Event()
    tracemalloc.start()
    try:
        task = asyncio.create_task(worker.run(stop))
        await imap_stack.eventually(
            lambda: _count(imap_stack, department_id, 1), within=120, what="the big one stored"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
    stored = await imap_stack.stored(department_id)
    assert stored[0].size == expected_size
    # Storing is bounded too, but not by us: beside the literal, asyncpg builds the Bind message in
    # three buffers (the encoded arguments, the message, the packet), and Python 3.11's event loop
    # copies what the socket did not take at once; measured about four times the message.
    assert peak < 4.5 * size, f"storing peaked at {peak / size:.2f} times the message"


async def _count(
    imap_stack: Any, department_id: Any, expected: int, *, at_least: bool = False
) -> list[Any] | None:
    rows = await imap_stack.stored(department_id)
    assert at_least or len(rows) <= expected, f"{len(rows)} stored, more than {expected}"
    return rows if len(rows) >= expected else None


async def _all_flagged(imap_stack: Any, user: Any, expected: int) -> bool:
    flags = await imap_stack.dovecot.flags(user)
    return len(flags) == expected and all(IMPORTED <= found for found in flags.values())


async def _succeeded(imap_stack: Any, department_id: Any) -> bool:
    return (await imap_stack.mailbox(department_id)).last_success_at is not None


async def _errored(imap_stack: Any, department_id: Any, *, containing: str = "") -> Any:
    row = await imap_stack.mailbox(department_id)
    return row if row.last_error and containing in row.last_error else None


def _imap_sessions(dovecot: Any) -> dict[str, int]:
    """Dovecot's own list of logged-in IMAP sessions, per user."""
    counts: dict[str, int] = {}
    for line in dovecot.doveadm("who", "-1").splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "imap":
            counts[parts[0]] = counts.get(parts[0], 0) + 1
    return counts


async def test_hostile_bytes_are_stored_as_they_came_and_the_mailbox_goes_on(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    hostile = (
        b"From: \xff\xfe <x@example.com>\r\nMessage-ID: <nul\x00id@example.com>\r\n"
        b"Subject: =?bogus?Q?x?=\r\n\r\n\x00\x00<script>alert(1)</script>\xc3\x28\r\n"
    )
    await imap_stack.dovecot.append(user, hostile)
    await imap_stack.dovecot.append(user, new_message(2))
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    imap_stack.start_poller()
    stored = await imap_stack.eventually(lambda: _count(imap_stack, department_id, 2), what="both stored")
    async with imap_stack.engine.connect() as connection:
        raw = (
            await connection.execute(
                text("SELECT raw FROM inbound_messages WHERE id = :id"), {"id": stored[0].id}
            )
        ).scalar_one()
    # Exactly what the server serves (Dovecot itself turns NULs into 0x80), undecodable bytes included.
    assert raw == await asyncio.to_thread(_served, imap_stack.dovecot, user, 1)
    assert b"<script>alert(1)</script>\xc3\x28" in raw and b"\xff\xfe" in raw
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 2), what="both flagged")


def _served(dovecot: Any, user: Any, uid: int) -> bytes:
    with dovecot.imap(user) as client:
        client.select("INBOX", readonly=True)
        _, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        return bytes(data[0][1])


async def test_a_folder_of_many_small_messages_comes_in_whole(imap_stack: Any, new_message: Message) -> None:
    """Thousands of response lines arrive in one read: aioimaplib's own loop recursed once per line."""
    user = imap_stack.dovecot.add_user()
    await asyncio.to_thread(
        imap_stack.dovecot.append_many_now, user, [new_message(number) for number in range(1500)]
    )
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    imap_stack.start_poller()
    stored = await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 1500), within=60, what="all stored"
    )
    assert _uids(stored) == list(range(1, 1501))
    await imap_stack.eventually(lambda: _all_flagged(imap_stack, user, 1500), what="all flagged")


async def test_a_department_disabled_in_ticketing_is_not_polled_until_enabled_again(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    department_id = await imap_stack.add_mailbox(user)
    await imap_stack.start_relay()
    await _department_enabled(imap_stack, department_id, enabled=True)
    imap_stack.start_poller()
    await imap_stack.dovecot.append(user, new_message(1))
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 1), what="polled while enabled")

    await _department_enabled(imap_stack, department_id, enabled=False)

    async def let_go() -> bool:
        return (await imap_stack.mailbox(department_id)).lease_holder is None

    await imap_stack.eventually(let_go, within=15, what="the lease given back")
    await imap_stack.dovecot.append(user, new_message(2))
    await asyncio.sleep(3)  # two lease rounds: nothing may be taken meanwhile
    assert len(await imap_stack.stored(department_id)) == 1
    assert (await imap_stack.mailbox(department_id)).lease_holder is None

    await _department_enabled(imap_stack, department_id, enabled=True)
    await imap_stack.eventually(
        lambda: _count(imap_stack, department_id, 2), what="polled again once enabled"
    )


async def _department_enabled(imap_stack: Any, department_id: Any, *, enabled: bool) -> None:
    """Ticketing's department event, applied by the gateway's own projection."""
    event = DepartmentChanged.build(
        source="ticketing",
        subject="department",
        data=DepartmentData(department=DepartmentSnapshot(id=department_id, name="Support", enabled=enabled)),
    )
    async with create_session_factory(imap_stack.engine)() as session, session.begin():
        await on_department_changed(session, event)


async def test_a_rotated_refresh_token_is_kept_so_the_next_poller_logs_in_with_it(
    imap_stack: Any, new_message: Message
) -> None:
    tokens = imap_stack.dovecot.tokens
    tokens.rotate_refresh_tokens = True
    user = imap_stack.dovecot.add_user()
    grant = tokens.grant(user.name)
    await imap_stack.dovecot.append(user, new_message(1))
    department_id = await imap_stack.add_mailbox(user, grant=grant)
    await imap_stack.start_relay()
    imap_stack.start_poller()
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 1), what="stored with the grant")
    await imap_stack.stop_pollers()

    row = await imap_stack.mailbox(department_id)
    kept = SecretBox(imap_stack.secret_key).open(row.oauth_refresh_token_sealed, what="refresh token")
    assert kept != grant.refresh_token and not tokens.grants[kept].revoked
    assert tokens.grants[grant.refresh_token].revoked
    # A new process knows no access token: it must refresh with the kept token, the old being revoked.
    await imap_stack.dovecot.append(user, new_message(2))
    imap_stack.start_poller()
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 2), what="stored after a restart")
    assert not (await imap_stack.mailbox(department_id)).credentials_failing


async def test_a_mailbox_deleted_and_added_again_imports_nothing_twice(
    imap_stack: Any, new_message: Message
) -> None:
    user = imap_stack.dovecot.add_user()
    department_id = await imap_stack.add_mailbox(user)
    await _department_enabled(imap_stack, department_id, enabled=True)
    await imap_stack.start_relay()
    for number in (1, 2):
        await imap_stack.dovecot.append(user, new_message(number))
    imap_stack.start_poller()
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 2), what="both stored")
    await imap_stack.stop_pollers()

    # As DELETE /api/mail/departments/{id}/mailbox does: the row goes, and its cursor with it.
    async with create_session_factory(imap_stack.engine)() as session, session.begin():
        await delete_mailbox(session, department_id)
    await imap_stack.dovecot.append(user, new_message(3))
    await imap_stack.add_mailbox(user, department_id=department_id)
    imap_stack.start_poller()
    # A cursor-less folder is matched by Message-ID: only the third message is new.
    await imap_stack.eventually(lambda: _count(imap_stack, department_id, 3), what="the new one stored")
    await asyncio.sleep(1)
    assert len(await imap_stack.stored(department_id)) == 3
