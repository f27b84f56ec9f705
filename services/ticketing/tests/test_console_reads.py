"""The reads the console's pickers and menu need, each with the narrowest flag its workflow allows
(docs/architecture.md, "Reads for the console's pickers")."""

from __future__ import annotations

from services.ticketing.tests.conftest import Ticketing
from services.ticketing.tests.test_mail_in import deliver
from services.ticketing.tests.test_tickets import ADMIN, department

MODULE_USER = ("tickets_enabled",)
CUSTOMERS = ("tickets_enabled", "tickets_manage_customers")


async def test_the_operator_directory_serves_every_module_user_without_e_mail_or_flags(
    ticketing_app: Ticketing,
) -> None:
    reader = ticketing_app.as_operator(*MODULE_USER)
    off = await ticketing_app.client.get("/operators", headers=reader)
    assert off.status_code == 403 and off.json()["reason"] == "module_disabled"

    await ticketing_app.switch_module(True)
    wile = await ticketing_app.operator_known("wile.coyote")
    road = await ticketing_app.operator_known("road.runner")
    gone = await ticketing_app.operator_known("marvin")
    await ticketing_app.sql(f"UPDATE ticketing.operators SET active = false WHERE id = '{gone}'")

    listed = await ticketing_app.client.get("/operators", headers=reader)
    assert listed.status_code == 200, listed.text
    assert listed.json() == [
        {"id": str(road), "username": "road.runner", "display_name": "Road.Runner", "active": True},
        {"id": str(wile), "username": "wile.coyote", "display_name": "Wile.Coyote", "active": True},
    ]
    found = await ticketing_app.client.get("/operators", params={"search": "COYOTE"}, headers=reader)
    assert [entry["username"] for entry in found.json()] == ["wile.coyote"]
    everyone = await ticketing_app.client.get(
        "/operators", params={"include_inactive": "true", "limit": 2}, headers=reader
    )
    assert [entry["username"] for entry in everyone.json()] == ["marvin", "road.runner"]
    assert (await ticketing_app.client.get("/operators", params={"search": "%"}, headers=reader)).json() == []

    refused = await ticketing_app.client.get(
        "/operators", headers=ticketing_app.as_operator("tickets_assign", "tickets_manage_departments")
    )
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_enabled"


async def test_the_sla_picker_serves_whoever_sets_a_customers_sla(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    gold = await ticketing_app.sla_known("Gold")
    bronze = await ticketing_app.sla_known("bronze")

    listed = await ticketing_app.client.get("/sla-definitions", headers=ticketing_app.as_operator(*CUSTOMERS))
    assert listed.status_code == 200, listed.text
    assert listed.json() == [{"id": str(bronze), "name": "bronze"}, {"id": str(gold), "name": "Gold"}]

    for flags in (MODULE_USER, ("tickets_enabled", "tickets_manage_sla")):
        refused = await ticketing_app.client.get(
            "/sla-definitions", headers=ticketing_app.as_operator(*flags)
        )
        assert refused.status_code == 403 and refused.json()["flag"] == "tickets_manage_customers"


async def test_an_editor_of_tickets_creates_a_contact_from_a_ticket_and_no_more(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    acme = (
        await ticketing_app.client.post(
            "/customers", json={"company_name": "Acme"}, headers=ticketing_app.as_operator(*CUSTOMERS)
        )
    ).json()
    editor = ticketing_app.as_operator("tickets_enabled", "tickets_edit")

    loose = await ticketing_app.client.post(
        "/contacts",
        json={"first_name": "Road", "last_name": "Runner", "email": "beep@desert.example"},
        headers=editor,
    )
    assert loose.status_code == 201, loose.text
    assert (loose.json()["first_name"], loose.json()["customer_id"]) == ("Road", None)
    employed = await ticketing_app.client.post(
        "/contacts",
        json={"first_name": "Wile E.", "email": "wile@acme.example", "customer_id": acme["id"]},
        headers=editor,
    )
    assert employed.status_code == 201 and employed.json()["company_name"] == "Acme"

    # The rest of a contact's record, and changing or deleting one, stay on the Contacts page.
    more = await ticketing_app.client.post(
        "/contacts", json={"email": "marvin@mars.example", "phone": "+1 555"}, headers=editor
    )
    assert more.status_code == 403 and more.json()["flag"] == "tickets_manage_customers"
    contact_id = employed.json()["id"]
    edited = await ticketing_app.client.patch(
        f"/contacts/{contact_id}", json={"last_name": "Coyote"}, headers=editor
    )
    assert edited.status_code == 403 and edited.json()["flag"] == "tickets_manage_customers"
    removed = await ticketing_app.client.delete(f"/contacts/{contact_id}", headers=editor)
    assert removed.status_code == 403

    for flags in (MODULE_USER, ("tickets_enabled", "tickets_create")):
        refused = await ticketing_app.client.post(
            "/contacts", json={"email": "x@example.com"}, headers=ticketing_app.as_operator(*flags)
        )
        assert refused.status_code == 403, flags
        assert refused.json()["any_of"] == ["tickets_edit", "tickets_manage_customers"]


async def test_contact_search_serves_those_who_set_a_tickets_contact(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    manager = ticketing_app.as_operator(*CUSTOMERS)
    acme = (
        await ticketing_app.client.post("/customers", json={"company_name": "Acme"}, headers=manager)
    ).json()
    contact = await ticketing_app.client.post(
        "/contacts",
        json={
            "first_name": "Wile E.",
            "last_name": "Coyote",
            "email": "wile@x.example",
            "customer_id": acme["id"],
        },
        headers=manager,
    )
    contact_id = contact.json()["id"]

    for flags in (("tickets_enabled", "tickets_create"), ("tickets_enabled", "tickets_edit"), CUSTOMERS):
        headers = ticketing_app.as_operator(*flags)
        for text in ("coyote", "wile@x", "acme"):
            found = await ticketing_app.client.get("/contacts", params={"search": text}, headers=headers)
            assert [c["id"] for c in found.json()] == [contact_id], (flags, text)
        one = await ticketing_app.client.get(f"/contacts/{contact_id}", headers=headers)
        assert one.status_code == 200, flags

    viewer = ticketing_app.as_operator(*MODULE_USER)
    for path in ("/contacts", f"/contacts/{contact_id}"):
        refused = await ticketing_app.client.get(path, headers=viewer)
        assert refused.status_code == 403
        assert refused.json()["any_of"] == ["tickets_create", "tickets_edit", "tickets_manage_customers"]


async def test_a_ticket_names_its_contact_by_the_contact_else_by_the_name_its_mail_arrived_with(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    headers = ticketing_app.as_operator(*ADMIN)
    desk = await department(ticketing_app, "Desk")
    # A contact with no name (made from an address alone), then mail from "Jane Doe <jane@x>".
    nameless = await ticketing_app.client.post("/contacts", json={"email": "jane@x.example"}, headers=headers)
    assert nameless.status_code == 201
    ticket_id = await deliver(
        ticketing_app,
        department_id=desk["id"],
        from_address="jane@x.example",
        from_name="Jane Doe",
        subject="Help",
        body_text="Please.",
    )
    queue = (await ticketing_app.client.get("/", params={"tab": "all"}, headers=headers)).json()
    (row,) = queue["rows"]
    assert row["id"] == str(ticket_id)
    assert row["contact"] == {"id": nameless.json()["id"], "name": "Jane Doe", "email": "jane@x.example"}
    ticket = (await ticketing_app.client.get(f"/{row['number']}", headers=headers)).json()
    assert ticket["contact"]["name"] == "Jane Doe"
    searched = await ticketing_app.client.get(
        "/", params={"tab": "all", "search": "jane doe"}, headers=headers
    )
    assert [r["number"] for r in searched.json()["rows"]] == [row["number"]]

    # Once the contact has a name, it is the contact's; once the contact is another, the mail's goes.
    await ticketing_app.client.patch(
        f"/contacts/{nameless.json()['id']}", json={"first_name": "Janet"}, headers=headers
    )
    assert (await ticketing_app.client.get(f"/{row['number']}", headers=headers)).json()["contact"][
        "name"
    ] == "Janet"
    changed = await ticketing_app.client.patch(
        f"/{row['number']}", json={"contact_email": "someone@else.example"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact"] == {"id": None, "name": None, "email": "someone@else.example"}

    # A ticket made with an address only, that no contact has, has no name.
    manual = await ticketing_app.client.post(
        "/", json={"title": "Call back", "contact_email": "nobody@x.example"}, headers=headers
    )
    assert manual.json()["contact"] == {"id": None, "name": None, "email": "nobody@x.example"}


async def test_the_module_switch_reads_for_every_module_user_while_the_module_is_off(
    ticketing_app: Ticketing,
) -> None:
    reader = ticketing_app.as_operator(*MODULE_USER)
    off = await ticketing_app.client.get("/module", headers=reader)
    assert off.status_code == 200 and off.json() == {"enabled": False}
    await ticketing_app.switch_module(True)
    assert (await ticketing_app.client.get("/module", headers=reader)).json() == {"enabled": True}

    refused = await ticketing_app.client.get("/module", headers=ticketing_app.as_operator("tickets_create"))
    assert refused.status_code == 403 and refused.json()["flag"] == "tickets_enabled"


async def test_the_pickers_records_read_with_the_module_flag_alone(ticketing_app: Ticketing) -> None:
    """Departments, labels, types and templates: reading is not managing (seed 10.3, 10.4, 10.13)."""
    await ticketing_app.switch_module(True)
    manager = ticketing_app.as_operator(
        "tickets_enabled", "tickets_manage_labels_types", "tickets_manage_templates"
    )
    desk = await department(ticketing_app, "Desk")
    label = await ticketing_app.client.post(
        "/labels", json={"name": "VIP", "color": "#e11d48"}, headers=manager
    )
    await ticketing_app.client.post("/types", json={"name": "Hardware"}, headers=manager)
    template = await ticketing_app.client.post(
        "/templates",
        json={"name": "Thanks", "type": "email", "subject": "Re: your ticket", "body": "<p>Thank you</p>"},
        headers=manager,
    )
    assert template.status_code == 201, template.text

    reader = ticketing_app.as_operator(*MODULE_USER)
    departments = (await ticketing_app.client.get("/departments", headers=reader)).json()
    assert [(d["id"], d["name"]) for d in departments] == [(desk["id"], "Desk")]
    assert (await ticketing_app.client.get("/labels", headers=reader)).json() == [label.json()]
    assert [t["name"] for t in (await ticketing_app.client.get("/types", headers=reader)).json()] == [
        "Hardware"
    ]
    listed = (await ticketing_app.client.get("/templates", headers=reader)).json()
    assert [(t["name"], t["type"], t["subject"]) for t in listed] == [("Thanks", "email", "Re: your ticket")]
    picked = (await ticketing_app.client.get(f"/templates/{listed[0]['id']}", headers=reader)).json()
    assert picked["body_html"] == "<p>Thank you</p>" and picked["body_text"] == "Thank you"

    outsider = ticketing_app.as_operator("tickets_create", "tickets_edit")
    for path in ("/departments", "/labels", "/types", "/templates", f"/templates/{listed[0]['id']}"):
        refused = await ticketing_app.client.get(path, headers=outsider)
        assert refused.status_code == 403 and refused.json()["flag"] == "tickets_enabled", path
