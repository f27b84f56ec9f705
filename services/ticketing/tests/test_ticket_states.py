"""The `ticket-states` role on real NATS request-reply: a request without a scope (the SLA engine's, as
it always sent it) gets the open tickets under an SLA, `all` every ticket, closed ones and those
without an SLA included, both a page at a time in ticket id order; the departments come a page at a
time in id order, a removed one absent, and the settings whole, each with when it last changed, never
later than the event of that change (so a projection's newest rule keeps the event); a request it
cannot read gets an error answer, not silence."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import nats
import orjson
import pytest

from helpdesk_common.contracts.ticket_states import (
    DEPARTMENT_STATES_SUBJECT,
    SETTINGS_STATE_SUBJECT,
    TICKET_STATES_SUBJECT,
    DepartmentStatesPage,
    SettingsStateAnswer,
    TicketStatesPage,
)
from helpdesk_common.service import ServiceRuntime
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.states_role import asked, role_answering
from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_sla_follows_customer import contact, customer, ticket_of
from ticketing.main import service as ticketing
from ticketing.states import serve_ticket_states


@pytest.fixture
async def answering(ticketing_app: Ticketing, servers: TestServers) -> AsyncIterator[nats.NATS]:
    """The role answering on the test's NATS, and a client to ask it with."""
    settings = ticketing.settings_class(
        service_name="ticketing", database_url=ticketing_app.url, nats_url=servers.nats_url
    )
    runtime = ServiceRuntime(settings, ticketing_app.engine, ticketing_app.sessions)
    async with role_answering(runtime, serve_ticket_states, servers.nats_url, TICKET_STATES_SUBJECT) as asker:
        yield asker


async def _ask(client: nats.NATS, request: dict[str, Any]) -> TicketStatesPage:
    return await asked(client, TICKET_STATES_SUBJECT, request, TicketStatesPage)


async def _every_page(client: nats.NATS, **request: Any) -> tuple[list[uuid.UUID], int]:
    """The ticket ids of every page, in the order sent, and how many pages it took."""
    ids: list[uuid.UUID] = []
    pages = 0
    after: str | None = None
    while True:
        page = await _ask(client, {**request, **({"after": after} if after else {})})
        assert page.error is None, page.error
        pages += 1
        ids.extend(state.ticket.id for state in page.states)
        if page.next_after is None:
            return ids, pages
        after = str(page.next_after)


async def test_the_default_scope_is_the_open_tickets_under_an_sla_and_all_is_every_ticket(
    ticketing_app: Ticketing, answering: nats.NATS
) -> None:
    await ticketing_app.switch_module(True)
    gold = await ticketing_app.sla_known("Gold")
    acme = await customer(ticketing_app, "Acme", gold)
    wile = await contact(ticketing_app, "wile@acme.example", acme)
    plain = await contact(ticketing_app, "plain@example.com", None)
    open_under_sla = [await ticket_of(ticketing_app, wile) for _ in range(3)]
    waiting = await ticket_of(ticketing_app, wile, "waiting")
    closed_under_sla = await ticket_of(ticketing_app, wile, "closed")
    without_sla = await ticket_of(ticketing_app, plain)
    closed_without_sla = await ticket_of(ticketing_app, plain, "closed")
    every = [*open_under_sla, waiting, closed_under_sla, without_sla, closed_without_sla]

    def in_id_order(*tickets: dict[str, Any]) -> list[uuid.UUID]:
        return sorted(uuid.UUID(t["id"]) for t in tickets)

    # The SLA engine's request as it always was: no scope, the default page.
    first = await _ask(answering, {})
    assert [s.ticket.id for s in first.states] == in_id_order(*open_under_sla, waiting)
    assert first.next_after is None
    # A full page says where the next starts, so four tickets two at a time end with an empty third.
    assert await _every_page(answering, limit=2) == (in_id_order(*open_under_sla, waiting), 3)
    assert await _every_page(answering, scope="open_under_sla", limit=2) == (
        in_id_order(*open_under_sla, waiting),
        3,
    )

    ids, pages = await _every_page(answering, scope="all", limit=3)
    assert (ids, pages) == (in_id_order(*every), 3)
    page = await _ask(answering, {"scope": "all"})
    states = {str(s.ticket.id): s for s in page.states}
    assert states[closed_without_sla["id"]].ticket.status == "closed"
    assert states[closed_under_sla["id"]].ticket.sla_id == gold
    assert states[without_sla["id"]].ticket.sla_id is None
    assert states[without_sla["id"]].ticket.updated_at == datetime.fromisoformat(without_sla["updated_at"])

    refused = await _ask(answering, {"scope": "some"})
    assert refused.error is not None and refused.error.startswith("The request could not be read")
    assert refused.states == []


async def _event_times(ticketing_app: Ticketing, event_type: str) -> dict[str, datetime]:
    """The newest event of this type per subject, by its time, as the outbox holds it."""
    rows = await ticketing_app.sql(
        f"SELECT payload FROM ticketing.outbox WHERE event_type = '{event_type}' ORDER BY id"
    )
    events = [orjson.loads(row["payload"]) for row in rows]
    return {event["subject"]: datetime.fromisoformat(event["time"]) for event in events}


async def test_the_departments_and_the_settings_are_answered_as_they_are_with_when_they_last_changed(
    ticketing_app: Ticketing, answering: nats.NATS
) -> None:
    await ticketing_app.switch_module(True)
    ada = await ticketing_app.operator_known("ada")
    manager = ticketing_app.as_operator("tickets_enabled", "tickets_manage_departments")
    made = []
    for name in ("Desk", "Field", "Gone"):
        created = await ticketing_app.client.post(
            "/departments", json={"name": name, "member_ids": [str(ada)]}, headers=manager
        )
        assert created.status_code == 201, created.text
        made.append(created.json())
    switched_off = await ticketing_app.client.patch(
        f"/departments/{made[1]['id']}", json={"enabled": False}, headers=manager
    )
    assert switched_off.status_code == 200, switched_off.text
    removed = await ticketing_app.client.delete(f"/departments/{made[2]['id']}", headers=manager)
    assert removed.status_code == 204, removed.text

    # Two departments one at a time: a full page says where the next starts, the third is empty.
    states = []
    after: str | None = None
    pages = 0
    while True:
        request = {"limit": 1, **({"after": after} if after else {})}
        page = await asked(answering, DEPARTMENT_STATES_SUBJECT, request, DepartmentStatesPage)
        assert page.error is None, page.error
        pages += 1
        states.extend(page.states)
        if page.next_after is None:
            break
        after = str(page.next_after)
    assert pages == 3
    kept = made[:2]
    assert [s.department.id for s in states] == sorted(uuid.UUID(d["id"]) for d in kept), (
        "the removed one is absent"
    )
    by_id = {str(s.department.id): s for s in states}
    assert (by_id[made[0]["id"]].department.name, by_id[made[0]["id"]].department.enabled) == ("Desk", True)
    assert (by_id[made[1]["id"]].department.name, by_id[made[1]["id"]].department.enabled) == ("Field", False)
    assert by_id[made[0]["id"]].department.member_ids == [ada]
    assert by_id[made[1]["id"]].changed_at == datetime.fromisoformat(switched_off.json()["updated_at"])
    # A state is never later than the event of the same change: the projection keeps that event.
    department_events = await _event_times(ticketing_app, "department_changed")
    for state in states:
        assert state.changed_at <= department_events[str(state.department.id)]

    answer = await asked(answering, SETTINGS_STATE_SUBJECT, {}, SettingsStateAnswer)
    assert answer.error is None and answer.state is not None, answer.error
    assert answer.state.settings.ticket_system_enabled is True
    assert answer.state.settings.ticket_number_prefix == "TKT"
    read = (
        await ticketing_app.client.get(
            "/settings", headers=ticketing_app.as_operator("settings_system_enabled")
        )
    ).json()
    assert answer.state.changed_at == datetime.fromisoformat(read["updated_at"])
    assert (
        answer.state.changed_at
        <= (await _event_times(ticketing_app, "ticket_settings_changed"))["module_settings"]
    )

    refused = await asked(answering, DEPARTMENT_STATES_SUBJECT, {"limit": 0}, DepartmentStatesPage)
    assert refused.error is not None and refused.error.startswith("The request could not be read")
    assert refused.states == []
    refused_settings = await asked(answering, SETTINGS_STATE_SUBJECT, {"scope": "all"}, SettingsStateAnswer)
    assert refused_settings.error is not None and refused_settings.state is None
