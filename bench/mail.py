"""Mail ingestion: 5,000 messages in a Dovecot folder, (a) the poller alone (fetched, stored raw, cursor
committed), (b) end to end until 5,000 tickets exist, with one and with two parser workers; beside
the raw IMAP fetch rate (stdlib imaplib, one command) and the stdlib parse rate, measured in the same
run on the same messages.

Run with `make bench-mail` (COUNT=1000 for fewer); never by the tests. Servers: HELPDESK_BENCH_* URLs,
else embedded durable ones; Dovecot is Debian's, started here with a config of its own. The stack runs
as processes (`helpdesk run`): the gateway, ticketing, the mail gateway's api/relay/consumers/jobs,
and its worker roles on their own (`--role poller`, `--role parser`).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import imaplib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.cpu import CpuMeter, Watched
from bench.report import machine_info
from bench.servers import bench_servers
from bench.tickets import drop_database
from helpdesk_common.db import libpq_url
from helpdesk_common.testing.dovecot import DovecotServer, MailUser, dovecot_missing, running_dovecot
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack, start_stack

RESULTS = Path(__file__).parent / "results"
# Senders per run: each writes a handful of messages, under ticketing's flood limit per sender.
SENDERS = 1000
WATCH_SECONDS = 0.02
# The lease is shortened only so that a new mailbox is taken soon after it is saved; the rates are
# timed from the moment it is taken.
LEASE_SECONDS = "6"
STACK_ROLES: dict[str, tuple[str, ...]] = {"mail-gateway": ("api", "relay", "consumers", "jobs")}


@dataclass(frozen=True)
class Run:
    name: str
    user: MailUser
    department_id: str


async def main(count: int, *, poller_only: bool) -> None:
    missing = dovecot_missing()
    if missing:
        raise SystemExit(missing)
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-mail-") as work,
        bench_servers(Path(work)) as servers,
        running_dovecot() as dovecot,
    ):
        os.environ.update(servers.service_environment())  # the services inherit it
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_{uuid.uuid4().hex[:10]}")
        stack = await start_stack(
            servers,  # type: ignore[arg-type]
            database,
            Path(work),
            auth_cache_seconds=2.0,
            upstreams=("ticketing", "mail-gateway"),
            service_env={
                "HELPDESK_MAIL_CA_FILE": dovecot.ca_file,
                "HELPDESK_MAIL_LEASE_SECONDS": LEASE_SECONDS,
            },
            roles=STACK_ROLES,
        )
        try:
            report = await measure(
                stack, servers.processes, dovecot, database, count, poller_only=poller_only
            )
        finally:
            stack.stop()
            await drop_database(database)
    print(render(report))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"mail-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"results: {path}")


async def measure(
    stack: RunningStack,
    servers: dict[str, Watched],
    dovecot: DovecotServer,
    database: TestDatabase,
    count: int,
    *,
    poller_only: bool,
) -> dict[str, Any]:
    admin = await stack.admin()
    enabled = await admin.put(
        "/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
    )
    assert enabled.status_code == 200, enabled.text
    runs = {name: await _run(admin, dovecot, name) for name in ("one parser", "two parsers", "poller alone")}
    started = time.perf_counter()
    for number, run in enumerate(runs.values()):
        dovecot.append_many_now(run.user, [customer_message(number, i) for i in range(count)])
    appended = time.perf_counter() - started
    raws, raw_fetch = _raw_fetch(dovecot, runs["poller alone"].user, count)
    parse = _parse_rate(raws)
    del raws
    facts: dict[str, Any] = {
        "messages": count,
        "average_message_bytes": round(raw_fetch["bytes"] / count),
        "append_per_second": 3 * count / appended,
        "raw_imap_fetch": raw_fetch,
        "stdlib_parse": parse,
    }
    watched = {
        **servers,
        "Dovecot": Watched(dovecot.pid, descendants=True),
        **{name: Watched(process.pid, descendants=True) for name, process in stack.processes.items()},
    }
    watched["poller"] = Watched(
        (await stack.start_worker("mail-gateway", "poller", "poller")).pid, descendants=True
    )
    connection = await asyncpg.connect(libpq_url(database.url))
    try:
        results: dict[str, Any] = {}
        for parsers, name in () if poller_only else ((1, "one parser"), (2, "two parsers")):
            labels = [f"parser-{name.split()[0]}-{i}" for i in range(parsers)]
            for label in labels:
                process = await stack.start_worker("mail-gateway", "parser", label)
                watched[label] = Watched(process.pid, descendants=True)
            results[name] = await _end_to_end(
                admin, dovecot, connection, database, runs[name], count, CpuMeter(watched)
            )
            for label in labels:
                stack.stop_worker(label)
                del watched[label]
        results["poller alone"] = await _poller_alone(admin, dovecot, connection, runs["poller alone"], count)
    finally:
        await connection.close()
        await admin.aclose()
    return {
        "benchmark": "mail",
        "machine": machine_info(),
        **facts,
        "runs": results,
        "targets": _targets(results, raw_fetch["per_second"], parse["per_second"]),
    }


async def _run(admin: httpx.AsyncClient, dovecot: DovecotServer, name: str) -> Run:
    created = await admin.post("/api/tickets/departments", json={"name": f"Mail {name}"})
    assert created.status_code == 201, created.text
    return Run(name, dovecot.add_user(), created.json()["id"])


async def _start_polling(admin: httpx.AsyncClient, run: Run, dovecot: DovecotServer) -> None:
    """Saves the mailbox (once the gateway has learnt of the department from ticketing's events)."""
    body = {
        "imap_host": "localhost",
        "imap_port": dovecot.tls_port,
        "imap_tls": "implicit",
        "imap_username": run.user.name,
        "imap_password": run.user.password,
    }

    async def saved() -> bool:
        answer = await admin.put(f"/api/mail/departments/{run.department_id}/mailbox", json=body)
        assert answer.status_code in (200, 404), answer.text
        return answer.status_code == 200

    await eventually(saved, within=30, what=f"the mailbox of {run.name} saved")


async def _lease_taken(connection: asyncpg.Connection, run: Run) -> float:
    return await _watch(
        connection,
        "SELECT lease_holder IS NOT NULL FROM mail.mailboxes WHERE department_id = $1",
        run,
        within=60,
        what="the poller took the mailbox",
    )


async def _watch(connection: asyncpg.Connection, query: str, run: Run, *, within: float, what: str) -> float:
    """Polls until the query answers true; the moment it first did (perf_counter)."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if await connection.fetchval(query, uuid.UUID(run.department_id)):
            return time.perf_counter()
        await asyncio.sleep(WATCH_SECONDS)
    raise TimeoutError(f"{what}: not within {within:g} s")


async def _end_to_end(
    admin: httpx.AsyncClient,
    dovecot: DovecotServer,
    connection: asyncpg.Connection,
    database: TestDatabase,
    run: Run,
    count: int,
    cpu: CpuMeter,
) -> dict[str, Any]:
    await _start_polling(admin, run, dovecot)
    cpu.start()
    taken = await _lease_taken(connection, run)
    since = await connection.fetchval("SELECT now()")
    stages = asyncio.create_task(_stage_progress(database, run, taken))
    stored = await _watch(connection, _CURSOR_AT_END % count, run, within=600, what="every message stored")
    done = await _watch(connection, _TICKETS % count, run, within=900, what=f"{count} tickets")
    usage = cpu.stop()
    await asyncio.sleep(2 * _STAGE_SECONDS)  # the sample that saw the last ticket
    stages.cancel()
    progress = await asyncio.gather(stages, return_exceptions=True)
    await asyncio.sleep(2)  # anything late (a double) would show in the counts now
    counts = await _counts(connection, run)
    assert counts == {"stored": count, "tickets": count, "failed": 0}, counts
    seconds = done - taken
    return {
        "seconds": round(seconds, 2),
        "per_second": count / seconds,
        "poller_stored_per_second": count / (stored - taken),
        "counts": counts,
        "cpu_ms_per_message": {
            name: round(ms / 1000, 3) for name, ms in usage.milliseconds_per_thousand(count).items()
        },
        "machine_busy": round(usage.machine_busy_fraction, 3),
        "stages": _stage_report(progress[0], count) if isinstance(progress[0], list) else {},
        "batch_sizes": await _batch_sizes(connection, since),
    }


# Each stage's count of this run's messages, for where a backlog builds: stored by the poller, parsed,
# applied by ticketing's consumer (its inbox, which holds only this run's events then), tickets.
_STAGES = {
    "stored": "SELECT count(*) FROM mail.inbound_messages WHERE department_id = $1",
    "parsed": "SELECT count(*) FROM mail.inbound_messages WHERE department_id = $1 AND state <> 'stored'",
    "tickets": "SELECT count(*) FROM ticketing.tickets WHERE department_id = $1",
}
_STAGE_SECONDS = 0.5


async def _stage_progress(database: TestDatabase, run: Run, taken: float) -> list[dict[str, Any]]:
    department_id = uuid.UUID(run.department_id)
    samples: list[dict[str, Any]] = []
    connection = await asyncpg.connect(libpq_url(database.url))
    try:
        while True:
            sample: dict[str, Any] = {"at": round(time.perf_counter() - taken, 2)}
            for stage, query in _STAGES.items():
                sample[stage] = await connection.fetchval(query, department_id)
            samples.append(sample)
            await asyncio.sleep(_STAGE_SECONDS)
    except asyncio.CancelledError:
        return samples
    finally:
        await connection.close()


def _stage_report(samples: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """When each stage reached half and all of the messages (seconds from the lease taken)."""
    report: dict[str, Any] = {}
    for stage in _STAGES:
        half = next((s["at"] for s in samples if s[stage] >= count / 2), None)
        whole = next((s["at"] for s in samples if s[stage] >= count), None)
        report[stage] = {"half_at": half, "all_at": whole}
    return report


async def _batch_sizes(connection: asyncpg.Connection, since: Any) -> dict[str, float]:
    """Events per transaction of each consumer in this run (an inbox row's `handled_at` is its
    transaction's start)."""
    sizes: dict[str, float] = {}
    for schema in ("mail", "ticketing"):
        rows = await connection.fetch(
            f"SELECT consumer, count(*)::float / count(DISTINCT handled_at) AS size, count(*) AS events "
            f"FROM {schema}.inbox WHERE handled_at >= $1 GROUP BY consumer",
            since,
        )
        sizes.update({row["consumer"]: round(row["size"], 1) for row in rows if row["events"] > 10})
    return sizes


async def _poller_alone(
    admin: httpx.AsyncClient, dovecot: DovecotServer, connection: asyncpg.Connection, run: Run, count: int
) -> dict[str, Any]:
    """No parser runs: what the poller fetched, stored and committed the cursor for."""
    await _start_polling(admin, run, dovecot)
    taken = await _lease_taken(connection, run)
    stored = await _watch(connection, _CURSOR_AT_END % count, run, within=600, what="every message stored")
    rows = await connection.fetchval(
        "SELECT count(*) FROM mail.inbound_messages WHERE department_id = $1", uuid.UUID(run.department_id)
    )
    assert rows == count, rows
    seconds = stored - taken
    return {"seconds": round(seconds, 2), "per_second": count / seconds, "stored": rows}


_CURSOR_AT_END = "SELECT imap_last_uid >= %d FROM mail.mailboxes WHERE department_id = $1"
_TICKETS = "SELECT count(*) >= %d FROM ticketing.tickets WHERE department_id = $1"


async def _counts(connection: asyncpg.Connection, run: Run) -> dict[str, int]:
    department_id = uuid.UUID(run.department_id)
    stored = await connection.fetchval(
        "SELECT count(*) FROM mail.inbound_messages WHERE department_id = $1", department_id
    )
    failed = await connection.fetchval(
        "SELECT count(*) FROM mail.inbound_messages WHERE department_id = $1 AND state = 'failed'",
        department_id,
    )
    tickets = await connection.fetchval(
        "SELECT count(*) FROM ticketing.tickets WHERE department_id = $1", department_id
    )
    return {"stored": stored, "tickets": tickets, "failed": failed}


def _raw_fetch(dovecot: DovecotServer, user: MailUser, count: int) -> tuple[list[bytes], dict[str, Any]]:
    """Every message in one UID FETCH through stdlib imaplib over implicit TLS, read-only (the folder
    is left as it was for the poller)."""
    import ssl

    context = ssl.create_default_context(cafile=dovecot.ca_file)
    started = time.perf_counter()
    client = imaplib.IMAP4_SSL("localhost", dovecot.tls_port, ssl_context=context, timeout=120)
    try:
        client.login(user.name, user.password)
        client.select("INBOX", readonly=True)
        status, data = client.uid("FETCH", "1:*", "(BODY.PEEK[])")
        assert status == "OK", data
    finally:
        client.logout()
    seconds = time.perf_counter() - started
    raws = [item[1] for item in data if isinstance(item, tuple)]
    assert len(raws) == count, len(raws)
    size = sum(len(raw) for raw in raws)
    return raws, {"seconds": round(seconds, 3), "per_second": count / seconds, "bytes": size}


def _parse_rate(raws: list[bytes]) -> dict[str, Any]:
    """What any Python parser of these messages must do at least: stdlib `email` with
    policy.default, the body chosen and decoded, each attachment decoded."""
    started = time.perf_counter()
    for raw in raws:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(("html", "plain"))  # type: ignore[attr-defined]
        if body is not None:
            body.get_content()
        for attachment in message.iter_attachments():  # type: ignore[attr-defined]
            attachment.get_content()
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "per_second": len(raws) / seconds}


def customer_message(run: int, number: int) -> bytes:
    """A customer's mail as they come: most plain text, some HTML with a text part, some with a
    small attachment; a few are replies quoting an earlier message."""
    sender = f"customer{run}-{number % SENDERS}@example.com"
    message_id = f"<bench{run}.{number}.{uuid.uuid4().hex}@example.com>"
    head = (
        f"From: Customer {number % SENDERS} <{sender}>\r\n"
        "To: Support <support@example.com>\r\n"
        f"Subject: {_SUBJECTS[number % len(_SUBJECTS)]} ({number})\r\n"
        f"Message-ID: {message_id}\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
    )
    text = _TEXT.format(number=number)
    kind = number % 10
    if kind < 6:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text).encode()
    boundary = f"b{number}"
    alternative = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{_HTML.format(number=number)}\r\n"
        f"--{boundary}--\r\n"
    )
    if kind < 9:
        return (
            head + f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n' + alternative
        ).encode()
    outer = f"o{number}"
    return (
        head
        + f'Content-Type: multipart/mixed; boundary="{outer}"\r\n\r\n'
        + f'--{outer}\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n{alternative}'
        + f'--{outer}\r\nContent-Type: application/pdf; name="screenshot-{number}.pdf"\r\n'
        + f'Content-Disposition: attachment; filename="screenshot-{number}.pdf"\r\n'
        + "Content-Transfer-Encoding: base64\r\n\r\n"
        + _ATTACHMENT
        + f"\r\n--{outer}--\r\n"
    ).encode()


_SUBJECTS = ["Printer jam on floor 3", "VPN drops every hour", "Laptop slow after update", "Cannot log in"]
_TEXT = (
    "Hello support,\r\n\r\nsince this morning the problem is back (case {number}). I restarted twice and\r\n"
    "it did not help. Could someone look at it today? It blocks the whole team.\r\n\r\n"
    "Thanks,\r\nA customer\r\n"
)
_HTML = (
    "<html><body><p>Hello support,</p><p>since this morning the problem is back (case {number}). "
    "I restarted twice and it did not help.</p><p>Could someone look at it <b>today</b>? It blocks "
    "the whole team.</p><p>Thanks,<br>A customer</p></body></html>"
)
# A small binary attachment, base64 in lines as mailers wrap them.
_ATTACHMENT = "\r\n".join(
    (lambda encoded: [encoded[i : i + 76] for i in range(0, len(encoded), 76)])(
        __import__("base64").b64encode(bytes(range(256)) * 48).decode()
    )
)


# The issue's targets were set on a machine where the raw rates of this benchmark were about these
# (docs/performance.md, 2026-12-02, Intel Xeon); on another machine each target is also judged as the
# same share of the raw rate measured in its own run.
ISSUE_MACHINE_RAW_FETCH_PER_SECOND = 45_000
ISSUE_MACHINE_STDLIB_PARSE_PER_SECOND = 1_020


def _targets(runs: dict[str, Any], fetch: float, parse: float) -> list[dict[str, Any]]:
    alone = runs["poller alone"]["per_second"]
    share = 2000 / ISSUE_MACHINE_RAW_FETCH_PER_SECOND
    targets = [
        {"title": "poller alone >= 2,000 messages/s", "measured": f"{alone:.0f}/s", "passed": alone >= 2000},
        {
            "title": f"poller alone >= {share:.3f} x the raw IMAP fetch of this run",
            "measured": f"{alone / fetch:.3f} x",
            "passed": alone / fetch >= share,
        },
    ]
    if "two parsers" in runs:
        two = runs["two parsers"]["per_second"]
        share = 400 / ISSUE_MACHINE_STDLIB_PARSE_PER_SECOND
        targets += [
            {
                "title": "end to end >= 400 messages/s, two parsers",
                "measured": f"{two:.0f}/s",
                "passed": two >= 400,
            },
            {
                "title": f"end to end, two parsers >= {share:.2f} x the stdlib parse rate of this run",
                "measured": f"{two / parse:.2f} x",
                "passed": two / parse >= share,
            },
        ]
    return targets


def render(report: dict[str, Any]) -> str:
    fetch, parse = report["raw_imap_fetch"], report["stdlib_parse"]
    lines = [
        f"{report['messages']} messages of {report['average_message_bytes']} bytes on average",
        f"Raw IMAP fetch (imaplib, one UID FETCH over TLS): {fetch['per_second']:.0f}/s",
        f"Stdlib parse (policy.default, body and attachments decoded, one core): {parse['per_second']:.0f}/s",
    ]
    for name, run in report["runs"].items():
        line = f"{name:<13} {run['per_second']:7.0f} messages/s ({run['seconds']} s)"
        if "poller_stored_per_second" in run:
            line += f"; poller stored {run['poller_stored_per_second']:.0f}/s meanwhile"
            line += "\n  CPU per message (ms): " + ", ".join(
                f"{name} {ms:.2f}" for name, ms in run["cpu_ms_per_message"].items()
            )
            line += f"  (machine busy {run['machine_busy']:.0%})"
            line += "\n  stages (s from the lease: half, all): " + ", ".join(
                f"{stage} {at['half_at']}/{at['all_at']}" for stage, at in run["stages"].items()
            )
            line += "\n  events per transaction: " + ", ".join(
                f"{consumer} {size:g}" for consumer, size in run["batch_sizes"].items()
            )
        lines.append(line)
    for target in report["targets"]:
        lines.append(f"{'PASS' if target['passed'] else 'FAIL'}  {target['title']}: {target['measured']}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000, help="messages per run")
    parser.add_argument("--poller-only", action="store_true", help="skip the end-to-end runs")
    options = parser.parse_args()
    asyncio.run(main(options.count, poller_only=options.poller_only))
