"""`helpdesk demo` (issue 5, item 11) against a real gateway, ticketing and SLA engine: the queue it
leaves behind is a living helpdesk, made through the public API, with customer e-mail stored raw as
the mail gateway's poller stores it, and made tickets of by the gateway's parsers."""

from __future__ import annotations

import re

from helpdesk_cli.demo import STATUSES, fill, mail_replies, mail_requests
from tests.backbone.harness import eventually
from tests.journeys.stack import RunningStack

TICKETS = 2 * len(STATUSES)


async def test_the_demo_fills_departments_customers_with_slas_contacts_and_a_queue_in_every_status(
    stack_with_mail: RunningStack,
) -> None:
    said: list[str] = []
    username = await fill(
        stack_with_mail.api,
        stack_with_mail.database.url,
        tickets=TICKETS,
        say=said.append,
    )
    assert any(username in line for line in said), "the demo tells its administrator's sign-in"
    admin = await stack_with_mail.admin()

    departments = (await admin.get("/api/tickets/departments")).json()
    assert len(departments) == 3 and all(d["members"] for d in departments), departments
    customers = {c["ticket_number_prefix"]: c for c in (await admin.get("/api/tickets/customers")).json()}
    assert set(customers) == {"ACME", "GLX", None}
    assert customers["ACME"]["sla_id"] and customers["GLX"]["sla_id"], "customers carry SLAs"
    slas = {s["id"] for s in (await admin.get("/api/sla/definitions")).json()}
    assert {customers["ACME"]["sla_id"], customers["GLX"]["sla_id"]} <= slas
    everything = TICKETS + mail_requests(TICKETS)

    async def mail_became_tickets() -> bool:
        queue = (await admin.get("/api/tickets", params={"tab": "all", "limit": "1"})).json()
        return bool(queue["counts"]["all"] == everything)

    await eventually(mail_became_tickets, within=60, what="the demo's e-mail to become tickets")
    contacts = (await admin.get("/api/tickets/contacts", params={"limit": "100"})).json()
    assert len(contacts) == 11, "ten made by the demo, one by the unknown sender's message"
    assert sum(1 for c in contacts if c["customer_id"]) == 10

    queue = (await admin.get("/api/tickets", params={"tab": "all", "limit": "100"})).json()
    assert all(queue["counts"][status] > 0 for status in set(STATUSES)), queue["counts"]
    numbers = [row["number"] for row in queue["rows"]]
    assert any(re.fullmatch(r"(ACME|GLX)-\d+", n) for n in numbers), "customers' prefixes number tickets"
    assert any(re.fullmatch(r"TKT-\d+", n) for n in numbers), "the global prefix numbers the rest"

    details = [(await admin.get(f"/api/tickets/{n}")).json() for n in numbers]
    by_mail = [t["number"] for t in details if t["source"] == "email"]
    assert len(by_mail) == mail_requests(TICKETS), "new e-mail opens Email tickets"
    conversations = {n: (await admin.get(f"/api/tickets/{n}/comments")).json() for n in numbers}
    assert all(conversations[n][0]["direction"] == "inbound" for n in by_mail)
    manual = [c for n, c in conversations.items() if n not in by_mail]
    assert all(c and c[0]["direction"] == "outbound" for c in manual), "a description each"
    assert any(len(c) > 1 for c in manual), "some tickets have a conversation"

    async def replies_threaded() -> bool:
        answered = 0
        for number in numbers:
            if number not in by_mail:
                comments = (await admin.get(f"/api/tickets/{number}/comments")).json()
                answered += any(c["direction"] == "inbound" for c in comments)
        return answered == mail_replies(TICKETS)

    await eventually(replies_threaded, within=60, what="customers' replies on their tickets")
    histories = [(await admin.get(f"/api/tickets/{n}/history")).json() for n in numbers]
    assert any({e["field"] for e in h} >= {"created", "status"} for h in histories), "status changes kept"

    under_sla = [row["number"] for row in queue["rows"] if re.fullmatch(r"(ACME|GLX)-\d+", row["number"])]

    async def deadlines_arrived() -> bool:
        ticket = (await admin.get(f"/api/tickets/{under_sla[0]}")).json()
        return ticket["sla"]["state"] != "none"

    await eventually(deadlines_arrived, within=60, what="the SLA engine's deadlines on a demo ticket")

    async def incidents_opened() -> bool:
        page = (await admin.get("/api/itsm/incidents", params={"limit": "100"})).json()
        # A per-host incident for each of the 12 devices, a storm of 4 hosts that gathered the 2
        # its rule opened first, and one opened by hand.
        return sum(page["counts"].values()) == 16 and page["counts"]["resolved"] == 1

    await eventually(incidents_opened, within=60, what="the demo's alerts to become incidents")
    page = (await admin.get("/api/itsm/incidents", params={"limit": "100"})).json()
    assert page["counts"] == {"open": 12, "acknowledged": 1, "resolved": 1, "closed": 2}, page["counts"]
    storm = next(i for i in page["items"] if i["is_storm"])
    assert storm["host_count"] == 4
    manual = next(i for i in page["items"] if i["source"] is None)
    assert manual["assignee_username"].startswith("alice.")

    again = await fill(
        stack_with_mail.api, stack_with_mail.database.url, tickets=len(STATUSES), say=said.append
    )
    assert again != username, "a second demo signs in its own administrator"
    labels = (await admin.get("/api/tickets/labels")).json()
    assert sorted(label["name"] for label in labels) == ["Hardware", "Security", "VIP"], "reused by name"
    types = (await admin.get("/api/tickets/types")).json()
    assert sorted(t["name"] for t in types) == ["Incident", "Service Request"]
