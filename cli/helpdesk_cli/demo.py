"""`helpdesk demo`: a believable helpdesk in a running stack, made through the public API only
(so every record also travels the bus the way real ones do)."""

from __future__ import annotations

import asyncio
import random
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from helpdesk_cli.admin import create_administrator_account
from helpdesk_cli.demo_incidents import fill_incidents
from helpdesk_cli.demo_mail import Conversation, deliver, new_requests, replies_to

AGENT_FLAGS = [
    "tickets_enabled",
    "tickets_create",
    "tickets_edit",
    "tickets_assign",
    "tickets_view_time_tracking",
    "tickets_view_statistics",
    "incidents.view",
    "incidents.manage",
]
SUBJECTS = [
    "Printer on the 3rd floor jams",
    "VPN drops every 10 minutes",
    "New starter needs a laptop",
    "Outlook keeps asking for the password",
    "Shared drive is read-only",
    "Wi-Fi slow in meeting room B",
    "Request: access to the finance share",
    "Phone headset crackles",
    "Monitor flickers",
    "Invoice PDF won't open",
    "Password reset",
    "MFA token lost",
    "Teams calls drop",
    "Laptop battery swollen",
    "Backup job failed",
    "Website contact form broken",
    "Disk almost full on FILESRV01",
    "Certificate expires next week",
    "Keyboard missing keys",
    "Please install Visio",
]
REPLIES = [
    "Thanks for reporting this, we are looking into it.",
    "Could you send a screenshot of the error?",
    "We have replaced the part; please confirm it works now.",
    "A technician will come by this afternoon.",
]
NOTES = ["Checked the logs, nothing obvious.", "Vendor ticket opened.", "Waiting for the customer."]
STATUSES = ["open"] * 4 + ["in_progress"] * 3 + ["waiting"] * 2 + ["resolved"] * 2 + ["closed"] * 3
PRIORITIES = ["low", "medium", "medium", "medium", "high", "critical"]


class Demo:
    def __init__(self, client: httpx.AsyncClient, say: Callable[[str], None]) -> None:
        self.client = client
        self.say = say
        # Tickets still being worked on, which customers may answer by e-mail.
        self.conversations: list[Conversation] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    async def run(self, tickets: int, database_url: str) -> None:
        await self.call(
            "PUT",
            "/api/tickets/settings",
            json={
                "ticket_system_enabled": True,
                "ticket_number_prefix": "TKT",
                "blocked_extensions": [".exe", ".bat", ".js"],
            },
        )
        role = await self.call(
            "POST", "/api/roles", json={"name": f"Agent {secrets.token_hex(2)}", "flags": AGENT_FLAGS}
        )
        agents = [await self._operator(name, role["id"]) for name in ("alice", "bob", "carol", "dave")]
        labels = [
            await self._named("/api/tickets/labels", {"name": n, "color": c})
            for n, c in (("VIP", "#e11d48"), ("Hardware", "#2563eb"), ("Security", "#f59e0b"))
        ]
        types = [
            await self._named("/api/tickets/types", {"name": n, "description": d})
            for n, d in (("Incident", "Something broke"), ("Service Request", "Something wanted"))
        ]
        departments = await self._departments(agents)
        await self._inventory()
        slas = await self._slas()
        contacts = await self._customers_and_contacts(slas)
        self.say(f"Creating {tickets} tickets with conversations and history...")
        semaphore = asyncio.Semaphore(8)

        async def one(index: int) -> None:
            async with semaphore:
                await self._ticket(index, agents, labels, types, departments, contacts)

        await asyncio.gather(*(one(i) for i in range(tickets)))
        await self._mail(database_url, tickets, departments, contacts)
        await fill_incidents(
            self.call, [str(device["name"]) for device in self.devices], agents[0]["id"], self.say
        )

    async def _mail(
        self, database_url: str, tickets: int, departments: list[Any], contacts: list[Any]
    ) -> None:
        replies = replies_to(self.conversations, mail_replies(tickets))
        fresh = new_requests(
            [d["id"] for d in departments], [c["email"] for c in contacts], mail_requests(tickets)
        )
        self.say(f"Mailing {len(fresh)} new requests and {len(replies)} customer replies...")
        await deliver(database_url, [*fresh, *replies])

    async def _named(self, path: str, body: dict[str, Any]) -> Any:
        """A label or type by its unique name: a second demo on the same stack reuses the first's."""
        existing = {item["name"].lower(): item for item in await self.call("GET", path)}
        return existing.get(body["name"].lower()) or await self.call("POST", path, json=body)

    async def _operator(self, name: str, role_id: str) -> dict[str, Any]:
        username = f"{name}.{secrets.token_hex(2)}"
        return dict(
            await self.call(
                "POST",
                "/api/operators",
                json={
                    "username": username,
                    "email": f"{username}@demo.example",
                    "display_name": name.title(),
                    "password": secrets.token_urlsafe(16),
                    "role_ids": [role_id],
                },
            )
        )

    async def _departments(self, agents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        specs = [
            (
                "Service Desk",
                agents[:2],
                True,
                {
                    "close_inactive_days": 14,
                    "close_statuses": ["waiting"],
                    "close_note": "Closed after two weeks without an answer.",
                },
            ),
            ("Network Operations", agents[2:3], False, {}),
            ("Finance IT", agents[3:], False, {"delete_closed_after_days": 730}),
        ]
        created = []
        for name, members, auto_assign, cleanup in specs:
            body = {
                "name": f"{name} {secrets.token_hex(2)}",
                "auto_assign_on_open": auto_assign,
                "member_ids": [m["id"] for m in members],
                "cleanup": cleanup,
            }
            # Members must have reached ticketing over the bus (operator_upserted) first.
            created.append(
                await _retry(lambda body=body: self.call("POST", "/api/tickets/departments", json=body))
            )
        return created

    async def _inventory(self) -> None:
        self.tenants = [{"id": _uuid(), "name": n} for n in ("Acme tenant", "Globex tenant")]
        self.devices = [
            {
                "id": _uuid(),
                "tenant_id": t["id"],
                "name": f"{t['name'].split()[0].lower()}-pc-{i:02d}",
                "attributes": {"os": random.choice(["Windows 11", "macOS 15", "Ubuntu 24.04"])},
            }
            for t in self.tenants
            for i in range(6)
        ]
        await self.call(
            "POST", "/api/tickets/inventory/import", json={"tenants": self.tenants, "devices": self.devices}
        )

    async def _slas(self) -> list[dict[str, Any]]:
        """Two SLAs in the SLA engine; the module switch made above reaches it over the bus first."""
        suffix = secrets.token_hex(2)
        specs = [
            {
                "name": f"Gold {suffix}",
                "response_hours": 1,
                "resolution_hours": 8,
                "priority_override": "high",
            },
            {"name": f"Silver {suffix}", "response_hours": 8, "resolution_hours": 48},
        ]
        return [
            await _retry(lambda spec=spec: self.call("POST", "/api/sla/definitions", json=spec))
            for spec in specs
        ]

    async def _customers_and_contacts(self, slas: list[dict[str, Any]]) -> list[dict[str, Any]]:
        suffix = secrets.token_hex(2)
        specs = (
            ("Acme Corp", "ACME", self.tenants[0], "1 Road Runner Way", slas[0]),
            ("Globex", "GLX", self.tenants[1], "Cypress Creek", slas[1]),
            ("Initech", None, None, "4120 Freidrich Lane", None),
        )
        customers = []
        for name, prefix, tenant, address, sla in specs:
            body = {
                "company_name": f"{name} {suffix}",
                "ticket_number_prefix": prefix,
                "tenant_id": tenant["id"] if tenant else None,
                "address": address,
                "sla_id": sla["id"] if sla else None,
            }
            # The SLA must have reached ticketing over the bus (sla_definition_upserted) first.
            customers.append(
                await _retry(lambda body=body: self.call("POST", "/api/tickets/customers", json=body))
            )
        people = [
            "Wile Coyote",
            "Road Runner",
            "Hank Scorpio",
            "Homer Simpson",
            "Peter Gibbons",
            "Milton Waddams",
            "Samir Nagheenanajar",
            "Joanna Smith",
            "Bill Lumbergh",
            "Michael Bolton",
        ]
        contacts = []
        for index, person in enumerate(people):
            first, last = person.split()
            customer = customers[index % 3]
            devices = [d["id"] for d in self.devices if customer["tenant_id"] == d["tenant_id"]][
                index % 3 : index % 3 + 1
            ]
            contacts.append(
                await self.call(
                    "POST",
                    "/api/tickets/contacts",
                    json={
                        "first_name": first,
                        "last_name": last,
                        "customer_id": customer["id"],
                        "email": f"{first}.{last}.{secrets.token_hex(2)}@{_domain(customer)}",
                        "position": random.choice(["Engineer", "Accountant", "Manager"]),
                        "device_ids": devices,
                    },
                )
            )
        return contacts

    async def _ticket(
        self,
        index: int,
        agents: list[Any],
        labels: list[Any],
        types: list[Any],
        departments: list[Any],
        contacts: list[Any],
    ) -> None:
        contact = random.choice(contacts)
        ticket = await self.call(
            "POST",
            "/api/tickets",
            json={
                "title": random.choice(SUBJECTS),
                "priority": random.choice(PRIORITIES),
                "department_id": random.choice(departments)["id"],
                "contact_id": contact["id"],
                "type_id": random.choice(types)["id"],
                "label_ids": random.sample([lb["id"] for lb in labels], k=index % 2),
                "assignee_id": random.choice([None, *[a["id"] for a in agents]]),
                "description": {
                    "body": f"<p>{random.choice(SUBJECTS)}. Reported by {contact['first_name']}.</p>",
                    "body_format": "html",
                },
            },
        )
        path = f"/api/tickets/{ticket['number']}"
        for _ in range(random.randint(0, 3)):
            direction = random.choice(["internal", "outbound"])
            body = random.choice(NOTES if direction == "internal" else REPLIES)
            await self.call(
                "POST",
                f"{path}/comments",
                json={"direction": direction, "body": body, "body_format": "plain_text"},
            )
        # Every status in the queue, in the proportions of a working desk.
        status = STATUSES[index % len(STATUSES)]
        if status != "open":
            await self.call("PATCH", path, json={"status": status})
        if status in ("open", "in_progress", "waiting"):  # a reply would reopen the others
            self.conversations.append(
                Conversation(ticket["number"], ticket["title"], ticket["department"]["id"], contact["email"])
            )


def mail_requests(tickets: int) -> int:
    """How many new e-mail requests a demo of `tickets` tickets gets (they become tickets too)."""
    return max(2, tickets // 10)


def mail_replies(tickets: int) -> int:
    return max(1, tickets // 6)


async def _retry(
    action: Callable[..., Awaitable[Any]], *args: Any, attempts: int = 120, **kwargs: Any
) -> Any:
    for attempt in range(attempts):
        try:
            return await action(*args, **kwargs)
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.25)
    raise AssertionError("unreachable")


def _domain(customer: dict[str, Any]) -> str:
    return f"{customer['company_name'].split()[0].lower()}.example"


def _uuid() -> str:
    return str(uuid.uuid4())


async def fill(
    api_url: str,
    admin_url: str,
    *,
    tickets: int,
    say: Callable[[str], None],
) -> str:
    """Makes a demo administrator, then everything else through the gateway, and customer e-mail
    stored raw for the mail gateway's parsers (`admin_url`, the platform's database); returns its
    username."""
    username, password = f"demo-{secrets.token_hex(3)}", secrets.token_urlsafe(18)
    await create_administrator_account(
        admin_url, username, f"{username}@demo.example", "Demo Administrator", password
    )
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        login = await client.post("/api/auth/login", json={"username": username, "password": password})
        login.raise_for_status()
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        token = await client.post("/api/auth/tokens", json={"name": "demo", "expires_in_days": 1})
        token.raise_for_status()
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token")
        client.headers["Authorization"] = f"Bearer {token.json()['token']}"
        await Demo(client, say).run(tickets, admin_url)
    say(f"Demo administrator: {username} / {password}")
    return username
