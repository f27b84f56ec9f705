"""A source flooding the bus cannot starve the others (docs/alerts.md, "Limits"): its alerts over its
rate are kept and correlated later at that rate, in their order, while every other source's alerts
are correlated as they come; nothing is lost or applied twice."""

from __future__ import annotations

from typing import Any

from itsm.alerts.drain import drain_once

Desk = Any
DEFAULT_RATE = 600_000


async def noisy_source(desk: Desk, rate: int = 3) -> None:
    admin = await desk.person("root", "itsm.settings.manage")
    answer = await desk.client.post(
        "/alert-sources", json={"name": "noisy", "rate_per_minute": rate}, headers=admin.headers
    )
    assert answer.status_code == 201, answer.text


async def drain(desk: Desk) -> int:
    return await drain_once(desk.app.sessions, now=desk.clock.now(), default_rate=DEFAULT_RATE)


async def test_a_source_over_its_rate_waits_while_the_others_are_correlated_at_once(desk: Desk) -> None:
    await noisy_source(desk)
    noisy = [desk.trigger(f"noisy-{n}", None, dedup_key=f"k{n}", source="noisy") for n in range(5)]
    quiet = [desk.trigger(f"quiet-{n}", None, dedup_key=f"q{n}", source="quiet") for n in range(2)]
    await desk.correlate(*noisy[:3], quiet[0], *noisy[3:], quiet[1])
    assert sorted(i["host"] for i in await desk.incidents()) == [
        "noisy-0",
        "noisy-1",
        "noisy-2",
        "quiet-0",
        "quiet-1",
    ]
    waiting = await desk.sql("SELECT source FROM deferred_alerts ORDER BY sequence")
    assert [row.source for row in waiting] == ["noisy", "noisy"]

    # The same minute: the next noisy alert waits behind the two, another source's goes on.
    desk.at(seconds=30)
    await desk.correlate(
        desk.trigger("noisy-5", None, dedup_key="k5", source="noisy"),
        desk.trigger("quiet-2", None, source="quiet"),
    )
    assert len(await desk.incidents()) == 6
    assert await drain(desk) == 0, "no room left this minute"

    # The next minute has room for three: the oldest three, in their order.
    desk.at(minutes=1, seconds=5)
    assert await drain(desk) == 3
    hosts = sorted(i["host"] for i in await desk.incidents() if i["source"] == "noisy")
    assert hosts == [f"noisy-{n}" for n in range(6)]
    assert await desk.sql("SELECT * FROM deferred_alerts") == []
    assert (await desk.sql("SELECT count(*) AS n FROM alerts"))[0].n == 9


async def test_deferred_alerts_keep_their_order_so_a_resolve_follows_its_trigger(desk: Desk) -> None:
    await noisy_source(desk, rate=1)
    await desk.correlate(
        desk.trigger("db-01", None, dedup_key="first", source="noisy"),
        desk.trigger("db-02", None, dedup_key="disk", source="noisy"),
        desk.alert("noisy", event_action="resolve", dedup_key="disk"),
    )
    for minute in (1, 2):
        desk.at(minutes=minute)
        assert await drain(desk) == 1
    by_host = {i["host"]: i["status"] for i in await desk.incidents()}
    assert by_host == {"db-01": "open", "db-02": "resolved"}


async def test_a_source_with_a_backlog_has_new_alerts_queue_behind_it_even_with_room(desk: Desk) -> None:
    await noisy_source(desk, rate=2)
    await desk.correlate(*(desk.trigger(f"h{n}", None, dedup_key=f"k{n}", source="noisy") for n in range(4)))
    desk.at(minutes=1)
    await desk.correlate(desk.trigger("h4", None, dedup_key="k4", source="noisy"))
    assert await desk.sql("SELECT count(*) AS n FROM deferred_alerts") == [(3,)]
    assert await drain(desk) == 2
    assert sorted(i["host"] for i in await desk.incidents()) == ["h0", "h1", "h2", "h3"]
