"""The queue's tab counts as the triggers keep them (tickets/counts.py) always equal a count of the
tickets themselves: after every kind of change, before and after settling, for every filter, for an
operator who sees only some departments, and while creates and settling run at once."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department
from ticketing.tickets.counts import settle_counts

STATUSES = ("open", "in_progress", "waiting", "resolved", "closed")
MANAGER = (*ADMIN, "tickets_manage_labels_types")


class Desk:
    """Departments, an assignee, a type and a customer's contact, and tickets spread over them."""

    def __init__(self, app: Ticketing) -> None:
        self.app = app
        self.headers = app.as_operator(*MANAGER)
        self.departments: list[str] = []
        self.numbers: list[str] = []

    async def furnish(self) -> None:
        self.departments = [(await department(self.app, name))["id"] for name in ("Desk", "Network")]
        self.assignee = str(await self.app.operator_known("bob"))
        self.type_id = (await self.post("/types", {"name": "Incident"}))["id"]
        self.customer_id = (await self.post("/customers", {"company_name": "Acme"}))["id"]
        contact = await self.post(
            "/contacts", {"email": "wile@acme.example.com", "customer_id": self.customer_id}
        )
        self.contact_id = contact["id"]

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.app.client.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    async def create(self, index: int) -> str:
        body: dict[str, Any] = {
            "title": f"Ticket {index}",
            "priority": ("low", "medium", "high", "critical")[index % 4],
            "department_id": self.departments[index % 2] if index % 5 else None,
            "assignee_id": self.assignee if index % 3 == 0 else None,
            "type_id": self.type_id if index % 4 == 1 else None,
            "contact_id": self.contact_id if index % 6 == 2 else None,
        }
        number = str((await self.post("/", body))["number"])
        self.numbers.append(number)
        return number

    async def patch(self, number: str, **changes: Any) -> None:
        response = await self.app.client.patch(f"/{number}", json=changes, headers=self.headers)
        assert response.status_code == 200, response.text

    async def queue_counts(self, headers: dict[str, str] | None = None, **params: str) -> dict[str, int]:
        params = {"tab": "all", **params}
        response = await self.app.client.get("/", params=params, headers=headers or self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json()["counts"])

    async def counted(self, where: str = "true") -> dict[str, int]:
        """The truth: the tickets themselves, counted."""
        rows = await self.app.sql(
            f"SELECT status, count(*) AS n FROM ticketing.tickets WHERE {where} GROUP BY status"
        )
        per_status = {row["status"]: row["n"] for row in rows}
        return {"all": sum(per_status.values()), **{s: per_status.get(s, 0) for s in STATUSES}}

    def filters(self) -> list[tuple[dict[str, str], str]]:
        """Query parameters and the same filter in SQL, alone and stacked two at a time."""
        single = [
            ({"department_id": self.departments[0]}, f"department_id = '{self.departments[0]}'"),
            ({"priority": "high"}, "priority = 'high'"),
            ({"assignee": self.assignee}, f"assignee_id = '{self.assignee}'"),
            ({"assignee": "unassigned"}, "assignee_id IS NULL"),
            ({"type_id": self.type_id}, f"type_id = '{self.type_id}'"),
            ({"customer_id": self.customer_id}, f"customer_id = '{self.customer_id}'"),
        ]
        stacked = [
            ({**a_params, **b_params}, f"{a_sql} AND {b_sql}")
            for (a_params, a_sql), (b_params, b_sql) in itertools.combinations(single, 2)
            if set(a_params).isdisjoint(b_params)
        ]
        return [({}, "true"), *single, *stacked]

    async def assert_counts_true(self) -> None:
        for params, where in self.filters():
            assert await self.queue_counts(**params) == await self.counted(where), params
        only_desk = self.app.as_operator("tickets_enabled", departments=(uuid.UUID(self.departments[0]),))
        assert await self.queue_counts(only_desk) == await self.counted(
            f"department_id = '{self.departments[0]}'"
        ), "an operator sees the counts of their own departments only"
        assert await self.queue_counts(self.app.as_operator("tickets_enabled")) == dict.fromkeys(
            ("all", *STATUSES), 0
        ), "an operator in no department counts nothing"


async def test_counts_follow_every_change_before_and_after_settling(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = Desk(ticketing_app)
    await desk.furnish()
    for index in range(30):
        await desk.create(index)
    await desk.assert_counts_true()

    numbers = desk.numbers
    for number, status in zip(numbers[:10], itertools.cycle(STATUSES[1:]), strict=False):
        await desk.patch(number, status=status)
    await desk.patch(numbers[10], priority="critical", department_id=desk.departments[1])
    await desk.patch(numbers[11], assignee_id=desk.assignee)
    await desk.patch(numbers[12], assignee_id=None)
    await desk.patch(numbers[13], title="Only the title changes: no count moves")
    closed = await ticketing_app.client.post(f"/{numbers[14]}/close", json={}, headers=desk.headers)
    assert closed.status_code == 200, closed.text
    await desk.assert_counts_true()

    async with ticketing_app.session_factory() as session:
        assert await settle_counts(session)
    await desk.assert_counts_true()

    await desk.post("/bulk-close", {"numbers": numbers[15:20]})
    await desk.post("/bulk-delete", {"numbers": numbers[20:23]})
    deleted = await ticketing_app.client.delete(f"/{numbers[23]}", headers=desk.headers)
    assert deleted.status_code == 204, deleted.text
    gone = await ticketing_app.client.delete(f"/departments/{desk.departments[1]}", headers=desk.headers)
    assert gone.status_code == 204, gone.text
    await ticketing_app.sql("UPDATE ticketing.tickets SET priority = 'low' WHERE priority = 'medium'")
    await desk.assert_counts_true()

    async with ticketing_app.session_factory() as session:
        assert await settle_counts(session)
    await desk.assert_counts_true()
    unsettled = await ticketing_app.sql("SELECT count(*) AS n FROM ticketing.ticket_counts WHERE NOT settled")
    assert unsettled[0]["n"] == 0
    zero = await ticketing_app.sql("SELECT count(*) AS n FROM ticketing.ticket_counts WHERE tickets = 0")
    assert zero[0]["n"] == 0, "keys nobody has tickets under any more are dropped"


async def test_label_and_search_counts_come_from_the_tickets(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = Desk(ticketing_app)
    await desk.furnish()
    label = await desk.post("/labels", {"name": "VIP", "color": "#f00"})
    for index in range(6):
        await desk.create(index)
    await desk.patch(desk.numbers[0], label_ids=[label["id"]], status="waiting")
    await desk.patch(desk.numbers[1], label_ids=[label["id"]])
    labelled = await desk.queue_counts(label_id=label["id"])
    assert labelled == {"all": 2, "open": 1, "in_progress": 0, "waiting": 1, "resolved": 0, "closed": 0}
    assert (await desk.queue_counts(search="ticket 5"))["all"] == 1
    assert (await desk.queue_counts(search="ticket", priority="low"))["all"] == 2
    bad = await ticketing_app.client.get("/", params={"assignee": "nobody"}, headers=desk.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "assignee"


async def test_counts_hold_while_creates_and_settling_run_at_once(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    desk = Desk(ticketing_app)
    await desk.furnish()
    creating = asyncio.gather(*(desk.create(index) for index in range(60)))

    async def settle_repeatedly() -> None:
        while not creating.done():
            async with ticketing_app.session_factory() as session:
                await settle_counts(session)
            await asyncio.sleep(0)

    await asyncio.gather(creating, settle_repeatedly(), settle_repeatedly())
    await desk.assert_counts_true()
    async with ticketing_app.session_factory() as session:
        await settle_counts(session)
    await desk.assert_counts_true()
    assert (await desk.queue_counts())["all"] == 60


async def test_counts_alone_equal_the_queues_and_rows_alone_carry_none(ticketing_app: Ticketing) -> None:
    """The console asks for rows without counts and for the counts apart (the rows of a search many
    tickets match are painted before they are all counted): both answers agree with the full one."""
    await ticketing_app.switch_module(True)
    desk = Desk(ticketing_app)
    await desk.furnish()
    for index in range(8):
        await desk.create(index)
    await desk.patch(desk.numbers[2], status="closed")
    for params in ({}, {"search": "ticket"}, {"priority": "low", "tab": "closed"}, {"search": "ticket 7"}):
        full = (await ticketing_app.client.get("/", params=params, headers=desk.headers)).json()
        counts = await ticketing_app.client.get("/counts", params=params, headers=desk.headers)
        assert counts.status_code == 200, counts.text
        assert counts.json() == {"counts": full["counts"]}
        rows_only = await ticketing_app.client.get(
            "/", params={**params, "counts": "false"}, headers=desk.headers
        )
        assert rows_only.json()["counts"] is None
        assert rows_only.json()["rows"] == full["rows"]
    refused = await ticketing_app.client.get("/counts", headers=ticketing_app.as_operator())
    assert refused.status_code == 403
