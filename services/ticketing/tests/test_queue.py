"""The queue (seed 10.3): tab counts for the current filters, stacking filters, one search, keyset pages."""

from __future__ import annotations

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_tickets import ADMIN, department


async def test_tabs_count_the_current_filters_and_filters_stack(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    bob = await ticketing_app.operator_known("bob")
    desk = await department(ticketing_app, "Desk")
    label = (
        await ticketing_app.client.post(
            "/labels",
            json={"name": "VIP", "color": "#f00"},
            headers=ticketing_app.as_operator(*ADMIN, "tickets_manage_labels_types"),
        )
    ).json()
    specs = [
        ("Printer jam", "open", "high", desk["id"], str(bob), [label["id"]]),
        ("Printer toner", "waiting", "high", desk["id"], None, []),
        ("VPN flaky", "in_progress", "low", None, str(bob), []),
        ("Mail bounce", "resolved", "medium", desk["id"], None, [label["id"]]),
        ("Old laptop", "closed", "critical", None, None, []),
    ]
    for title, status, priority, department_id, assignee, labels in specs:
        body = {
            "title": title,
            "priority": priority,
            "department_id": department_id,
            "assignee_id": assignee,
            "label_ids": labels,
        }
        number = (await ticketing_app.client.post("/", json=body, headers=headers)).json()["number"]
        await ticketing_app.client.patch(f"/{number}", json={"status": status}, headers=headers)

    async def queue(**params: str) -> dict:
        response = await ticketing_app.client.get("/", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    everything = await queue(tab="all")
    assert everything["counts"] == {
        "all": 5,
        "open": 1,
        "in_progress": 1,
        "waiting": 1,
        "resolved": 1,
        "closed": 1,
    }
    default = await queue()
    assert [row["title"] for row in default["rows"]] == ["Printer jam"], "the queue opens on the Open tab"

    desk_high = await queue(tab="all", department_id=desk["id"], priority="high")
    assert sorted(row["title"] for row in desk_high["rows"]) == ["Printer jam", "Printer toner"]
    assert desk_high["counts"]["all"] == 2 and desk_high["counts"]["waiting"] == 1
    assert [
        r["title"] for r in (await queue(tab="all", assignee="unassigned", department_id=desk["id"]))["rows"]
    ] == [
        "Mail bounce",
        "Printer toner",
    ]
    assert {r["title"] for r in (await queue(tab="all", assignee=str(bob)))["rows"]} == {
        "Printer jam",
        "VPN flaky",
    }
    assert {r["title"] for r in (await queue(tab="all", label_id=label["id"]))["rows"]} == {
        "Printer jam",
        "Mail bounce",
    }

    row = (await queue(tab="all", search="jam"))["rows"][0]
    assert set(row) >= {
        "number",
        "title",
        "contact",
        "status",
        "priority",
        "last_contact",
        "sla_state",
        "updated_at",
        "assignee",
    }
    assert (await queue(tab="all", search="BOB"))["counts"]["all"] == 2, (
        "search covers the assignee's username"
    )
    assert (await queue(tab="all", search=row["number"].lower()))["counts"]["all"] == 1
    assert (await queue(tab="all", search="%"))["counts"]["all"] == 0
    bad = await ticketing_app.client.get("/", params={"tab": "archived"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tab"


async def test_keyset_pages_walk_every_ticket_once_in_every_sort(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    for index in range(23):
        priority = ("low", "medium", "high", "critical")[index % 4]
        await ticketing_app.client.post(
            "/", json={"title": f"T{index}", "priority": priority}, headers=headers
        )
    for sort in ("updated_at", "created_at", "number", "priority"):
        for order in ("asc", "desc"):
            seen: list[str] = []
            cursor = None
            while True:
                params = {"tab": "all", "sort": sort, "order": order, "limit": "5"} | (
                    {"cursor": cursor} if cursor else {}
                )
                page = (await ticketing_app.client.get("/", params=params, headers=headers)).json()
                seen += [row["number"] for row in page["rows"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(seen) == 23 and len(set(seen)) == 23, (sort, order)
    forged = await ticketing_app.client.get("/", params={"cursor": "bm90IGEgY3Vyc29y"}, headers=headers)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"
