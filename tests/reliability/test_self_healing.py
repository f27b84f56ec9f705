"""`helpdesk up` heals: under tickets created through the gateway, each kind of process is killed
(SIGKILL) in turn (a service, the gateway, the embedded NATS and PostgreSQL), and the stack comes
back by itself. Every ticket answered 201 is stored, and every stored ticket gets its SLA timer.
Requests during an outage may fail with 5xx, or find nothing listening; none may get a 4xx."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from tests.backbone.harness import eventually
from tests.reliability.up import Up

CLIENTS = 4


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    running = Up.start(tmp_path_factory.mktemp("healing"))
    try:
        running.wait_for(r"The API answers at")
        running.create_administrator()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def token(up: Up) -> str:
    token = up.api_token()
    settings = httpx.put(
        f"{up.api}/api/tickets/settings",
        json={"ticket_system_enabled": True, "ticket_number_prefix": "TKT", "blocked_extensions": []},
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert settings.status_code == 200, settings.text
    return token


@dataclass
class Load:
    """Clients creating tickets through the gateway, as fast as they are answered."""

    api: str
    token: str
    # (when, number) of every 201.
    created: list[tuple[float, str]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _clients: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._clients = [asyncio.create_task(self._client(index)) for index in range(CLIENTS)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._clients)

    def created_since(self, moment: float) -> int:
        return sum(1 for when, _ in self.created if when > moment)

    async def _client(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.api, headers=headers, timeout=20) as http:
            sent = 0
            while not self._stop.is_set():
                sent += 1
                try:
                    answer = await http.post("/api/tickets", json={"title": f"Load {index}-{sent}"})
                except httpx.HTTPError as error:
                    self.failures[type(error).__name__] += 1
                    await asyncio.sleep(0.1)
                    continue
                if answer.status_code == 201:
                    self.created.append((time.monotonic(), answer.json()["number"]))
                else:
                    self.failures[str(answer.status_code)] += 1
                    await asyncio.sleep(0.1)


async def _every_service_ready(up: Up) -> bool:
    async with httpx.AsyncClient(timeout=3) as http:
        for port in up.state()["ports"].values():
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code != 200:
                    return False
            except httpx.HTTPError:
                return False
    return True


async def _stored_and_untimed(admin_url: str, numbers: list[str]) -> tuple[set[str], int]:
    connection = await asyncpg.connect(admin_url)
    try:
        stored = await connection.fetch(
            "SELECT number FROM ticketing.tickets WHERE number = ANY($1)", numbers
        )
        untimed = await connection.fetchval(
            "SELECT count(*) FROM ticketing.tickets t "
            "WHERE NOT EXISTS (SELECT 1 FROM sla.ticket_timers s WHERE s.ticket_id = t.id)"
        )
    finally:
        await connection.close()
    return {row["number"] for row in stored}, int(untimed)


@pytest.mark.parametrize("name", ["ticketing", "sla-engine", "gateway", "nats", "postgres"])
async def test_a_killed_process_is_started_again_and_no_acknowledged_ticket_is_lost(
    up: Up, token: str, name: str
) -> None:
    load = Load(up.api, token)
    load.start()
    try:
        await eventually(lambda: _created_at_least(load, 20), within=60, what="tickets before the kill")
        killed_at = time.monotonic()
        os.kill(up.pid_of(name), signal.SIGKILL)

        log = re.escape(str(up.var_dir / "log" / f"{name}.log"))
        await asyncio.to_thread(
            up.wait_for, rf"^{name} was killed by SIGKILL; starting it again in [\d.]+s \(log: {log}\)$"
        )
        await asyncio.to_thread(up.wait_for, rf"^{name} is running again$", within=120)
        await eventually(lambda: _every_service_ready(up), within=120, what="every /readyz 200 again")
        ready_at = time.monotonic()
        await eventually(
            lambda: _created_since(load, ready_at, 10), within=60, what="tickets created again after the kill"
        )
        healed_at = time.monotonic()
    finally:
        await load.stop()
    # The API process's own connection to NATS (the attachments' object store) heals too.
    await eventually(
        lambda: _attachment_round_trip(up.api, token, load.created[-1][1]),
        within=90,
        what="an attachment stored and read back",
    )
    print(
        f"\n{name}: every /readyz 200 {ready_at - killed_at:.1f}s after the kill, tickets created again "
        f"after {healed_at - killed_at:.1f}s, attachments after {time.monotonic() - killed_at:.1f}s; "
        f"{len(load.created)} created, failures {dict(load.failures)}"
    )
    refused = {status: count for status, count in load.failures.items() if status.startswith("4")}
    assert not refused, f"requests refused during the outage: {refused}"

    numbers = [number for _, number in load.created]
    admin_url = up.state()["admin_url"]
    stored, _ = await _stored_and_untimed(admin_url, numbers)
    assert not set(numbers) - stored, f"answered 201 but not stored: {sorted(set(numbers) - stored)[:20]}"

    async def every_ticket_timed() -> bool:
        return (await _stored_and_untimed(admin_url, numbers))[1] == 0

    await eventually(every_ticket_timed, within=120, what="an SLA timer for every stored ticket")


async def _attachment_round_trip(api: str, token: str, number: str) -> bool:
    content = os.urandom(4096)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=20) as http:
        try:
            stored = await http.post(
                f"/api/tickets/{number}/attachments",
                params={"name": "note.bin"},
                content=content,
                headers={"Content-Type": "application/octet-stream"},
            )
            if stored.status_code != 201:
                return False
            read = await http.get(f"/api/tickets/{number}/attachments/{stored.json()['id']}/download")
        except httpx.HTTPError:
            return False
    return read.status_code == 200 and read.content == content


async def _created_at_least(load: Load, count: int) -> bool:
    return len(load.created) >= count


async def _created_since(load: Load, moment: float, count: int) -> bool:
    return load.created_since(moment) >= count
