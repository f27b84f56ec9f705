"""A webhook worker killed mid-send loses no delivery (issue 17, part 3): real
`helpdesk run notifier --role webhook-worker` processes, the first SIGKILLed while the receiver holds
its request; once the lease runs out the second sends the delivery again under the same webhook-id,
so the receiver deduplicates it and the log shows it delivered."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpdesk_common.embedded import free_port

REPO = Path(__file__).resolve().parents[3]


async def test_a_worker_killed_mid_send_loses_no_delivery(
    notifier: Any, receiver: Any, workers: Any, new_ticket_created: Any, tmp_path: Path
) -> None:
    created = await notifier.create(url=receiver.url())
    held = asyncio.Event()
    receiver.answer("/hook", 200, hold=held)
    settings = notifier.settings
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": notifier.app.url,
        "HELPDESK_NATS_URL": settings.nats_url,
        "HELPDESK_SECRET_KEY": settings.secret_key,
        "HELPDESK_LOG_JSON": "false",
        "HELPDESK_WEBHOOK_ALLOWED_NETWORKS": settings.webhook_allowed_networks,
        "HELPDESK_WEBHOOK_TIMEOUT_SECONDS": "20",
        "HELPDESK_WEBHOOK_LEASE_SECONDS": "21",
        "HELPDESK_WEBHOOK_POLL_SECONDS": "0.2",
    }

    def worker(log: str, **overrides: str) -> subprocess.Popen[bytes]:
        with open(tmp_path / log, "ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", "helpdesk_cli.main", "run", "notifier", "--role", "webhook-worker"],
                cwd=REPO,
                env={**env, "HELPDESK_HTTP_PORT": str(free_port()), **overrides},
                stdout=output,
                stderr=output,
            )

    first = worker("first.log")
    try:
        await workers.publish(new_ticket_created(notifier.department_id))
        await asyncio.wait_for(receiver.arrived.wait(), 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    held.set()
    [delivery] = await workers.deliveries(created["id"])
    assert delivery["state"] == "sending" and delivery["attempt_log"] == []
    # Shortened here, so the takeover comes within the test's patience.
    await notifier.sql("UPDATE webhook_deliveries SET claimed_until = now() + interval '1 second'")

    second = worker("second.log")
    try:
        [delivery] = await workers.settled(created["id"], "delivered", within=60)
    finally:
        second.terminate()
        second.wait(15)
    first_request, second_request = receiver.received
    assert first_request.headers["webhook-id"] == second_request.headers["webhook-id"] == delivery["id"]
    assert first_request.body == second_request.body
    assert delivery["attempts"] == 2 and [a["status"] for a in delivery["attempt_log"]] == [200]
