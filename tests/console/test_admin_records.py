"""The record pages of the ticket module's administration: Departments (10.10), Customers and the
customer detail page (10.11), Contacts (10.12). Each is created, edited and deleted through the
console and checked through the API; field errors sit under their fields; deletes say they are hard."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in


async def _accessible(page: Page, what: str) -> None:
    """axe-core once dialogs have faded in and pickers' lists out: mid-animation, text is pale and
    fails the contrast rule."""
    await expect(
        page.locator(
            ".p-dialog-enter-active, .p-dialog-leave-active, .p-select-overlay, .p-multiselect-overlay"
        )
    ).to_have_count(0)
    await assert_accessible(page, what)


def _suffix() -> str:
    return secrets.token_hex(3)


async def _inventory(console: Console, *device_names: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A tenant with devices in ticketing's inventory projection, through the import endpoint."""
    tenant = {"id": str(uuid.uuid4()), "name": f"Tenant {_suffix()}"}
    devices = [{"id": str(uuid.uuid4()), "tenant_id": tenant["id"], "name": name} for name in device_names]
    answer = await console.admin.post(
        "/api/tickets/inventory/import", json={"tenants": [tenant], "devices": devices}
    )
    assert answer.status_code == 200, answer.text
    return tenant, devices


async def _created(console: Console, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await console.admin.post(path, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def _sla_in_ticketing(console: Console) -> dict[str, Any]:
    """An SLA of the library that ticketing's projection holds too (it travels over the bus)."""

    async def engine_on() -> bool:
        return (await console.admin.get("/api/sla/definitions")).status_code == 200

    await eventually(engine_on, within=60, what="the module switch to reach the SLA engine")
    sla = await _created(console, "/api/sla/definitions", {"name": f"Gold {_suffix()}", "response_hours": 4})

    async def projected() -> bool:
        probe = await console.admin.post(
            "/api/tickets/customers", json={"company_name": f"Probe {_suffix()}", "sla_id": sla["id"]}
        )
        if probe.status_code == 201:
            await console.admin.delete(f"/api/tickets/customers/{probe.json()['id']}")
        return probe.status_code == 201

    await eventually(projected, within=60, what="the SLA to reach ticketing")
    return sla


async def _choose(page: Page, field: str, option: str, *, search: str | None = None) -> None:
    """Picks `option` in the Select or MultiSelect labelled `field` (its list opens over the page),
    typing `search` into the list's filter first, as whoever picks one among many does."""
    box = page.get_by_role("combobox", name=field)
    await expect(box).to_be_enabled()  # Linked Devices opens once the company's tenant is known
    if await box.get_attribute("data-pc-section") == "hiddeninput":
        # A MultiSelect's combobox is an input under its label: the keyboard opens its list.
        await box.focus()
        await page.keyboard.press("ArrowDown")
    else:
        await box.click()
    if search is not None:
        await page.locator(".p-select-overlay, .p-multiselect-overlay").get_by_role("searchbox").fill(search)
    await page.get_by_role("option", name=option).click()


async def _confirm_hard_delete(page: Page, shot: str, *also: str) -> None:
    confirmation = page.get_by_role("alertdialog")
    await expect(confirmation).to_contain_text("This is a hard delete")
    await expect(confirmation).to_contain_text("cannot be undone")
    for words in also:
        await expect(confirmation).to_contain_text(words)
    await _accessible(page, f"{shot} confirmation")
    await screenshot(page, shot)
    await confirmation.get_by_role("button", name="Delete permanently").click()
    await expect(confirmation).to_have_count(0)


async def _close_list(dialog: Locator) -> None:
    """Closes an open MultiSelect list by clicking outside it (Escape would close the dialog too)."""
    await dialog.locator(".p-dialog-title").click()
    await expect(dialog.page.locator(".p-multiselect-overlay")).to_have_count(0)


def _row(page: Page, table: str, text: str) -> Locator:
    return page.get_by_role("table", name=table).get_by_role("row").filter(has_text=text)


async def test_departments_are_created_edited_and_hard_deleted(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_departments")
    member = await console.operator("tickets_enabled")
    # The dialog reads the directory when it opens; the member must be in it by then.
    await console.known_to_ticketing(member)
    taken = await console.department()
    name = f"Support {_suffix()}"
    await sign_in(page, console, username, at="/tickets/departments")
    await expect(page.get_by_role("heading", name="Departments")).to_be_visible()
    await expect(_row(page, "Departments", taken["name"])).to_be_visible()
    await _accessible(page, "departments")
    await screenshot(page, "departments-list")

    await page.get_by_role("button", name="New department").click()
    dialog = page.get_by_role("dialog", name="New department")
    for section in ("General", "Cleanup", "Members"):
        await expect(dialog.get_by_role("heading", name=section)).to_be_visible()
    await dialog.get_by_label("Name", exact=True).fill(taken["name"])
    await dialog.get_by_label("Description").fill("First line support")
    await dialog.get_by_label("Auto-assign on open").check()
    # InputNumber takes keystrokes, not a pasted value.
    await dialog.get_by_label("Close tickets inactive for (days)").press_sequentially("30")
    await dialog.get_by_label("Waiting").check()
    await dialog.get_by_label("Internal note added to auto-closed tickets").fill("Closed for inactivity.")
    # Searched for: the directory lists the first hundred operators, and a whole suite makes more.
    await _choose(page, "Members", f"Operator {member} ({member})", search=member)
    await _close_list(dialog)
    await _accessible(page, "department dialog")
    await dialog.get_by_role("button", name="Create").click()
    # A taken name: the error under Name, and everything typed still there.
    await expect(dialog.locator("#department-name-error")).to_contain_text("exists already")
    await expect(dialog.get_by_label("Description")).to_have_value("First line support")
    await screenshot(page, "departments-dialog-name-taken")
    await dialog.get_by_label("Name", exact=True).fill(name)
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    await expect(_row(page, "Departments", name)).to_contain_text(f"Operator {member}")

    created = next(
        d for d in (await console.admin.get("/api/tickets/departments")).json() if d["name"] == name
    )
    assert created["description"] == "First line support" and created["auto_assign_on_open"] is True
    assert created["cleanup"]["close_inactive_days"] == 30 and created["cleanup"]["close_statuses"] == [
        "waiting"
    ]
    assert [m["username"] for m in created["members"]] == [member]

    await page.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog", name=f"Edit department {name}")
    await expect(dialog.get_by_label("Description")).to_have_value("First line support")
    await dialog.get_by_label("Description").fill("Second line")
    await dialog.get_by_label("Enabled", exact=True).uncheck()
    await screenshot(page, "departments-dialog-edit")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(_row(page, "Departments", name)).to_contain_text("Disabled")
    edited = (await console.admin.get(f"/api/tickets/departments/{created['id']}")).json()
    assert edited["description"] == "Second line" and edited["enabled"] is False

    await page.get_by_role("button", name=f"Delete {name}").click()
    await _confirm_hard_delete(page, "departments-delete-confirmation", name)
    await expect(_row(page, "Departments", name)).to_have_count(0)
    assert (await console.admin.get(f"/api/tickets/departments/{created['id']}")).status_code == 404

    await page.get_by_label("Search departments").fill(taken["name"])
    await expect(page.get_by_role("table", name="Departments").get_by_role("row")).to_have_count(2)


async def test_customers_are_created_edited_and_hard_deleted_with_their_cascade(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_customers")
    tenant, _ = await _inventory(console, "srv-01")
    sla = await _sla_in_ticketing(console)
    company = f"Acme {_suffix()}"
    prefix = f"A{secrets.token_hex(2).upper()}"
    await sign_in(page, console, username, at="/tickets/customers")
    await expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    await _accessible(page, "customers")

    await page.get_by_role("button", name="Add Company").click()
    dialog = page.get_by_role("dialog", name="Add Company")
    await dialog.get_by_label("Company Name").fill(company)
    await dialog.get_by_label("Address").fill("1 Road Runner Way")
    await _choose(page, "Linked Tenant", tenant["name"])
    await dialog.get_by_label("Ticket Number Prefix").fill("AC-ME")
    await dialog.get_by_label("Notes").fill("Pays late.")
    await _accessible(page, "add company dialog")
    await dialog.get_by_role("button", name="Add Company").click()
    # A prefix with a dash: the error under the prefix, nothing typed lost.
    await expect(dialog.locator("#customer-dialog-prefix-error")).to_contain_text("letters and digits")
    await expect(dialog.get_by_label("Notes")).to_have_value("Pays late.")
    await screenshot(page, "customers-dialog-bad-prefix")
    await dialog.get_by_label("Ticket Number Prefix").fill(prefix.lower())
    await dialog.get_by_role("button", name="Add Company").click()
    await expect(dialog).to_have_count(0)
    row = _row(page, "Customers", company)
    await expect(row).to_contain_text(tenant["name"])
    await expect(row).to_contain_text(prefix)

    created = next(
        c for c in (await console.admin.get("/api/tickets/customers")).json() if c["company_name"] == company
    )
    assert created["tenant_id"] == tenant["id"] and created["ticket_number_prefix"] == prefix
    assert created["address"] == "1 Road Runner Way" and created["notes"] == "Pays late."

    await page.get_by_role("button", name=f"Edit {company}").click()
    dialog = page.get_by_role("dialog", name=f"Edit {company}")
    await _choose(page, "SLA", sla["name"])
    await screenshot(page, "customers-dialog-edit")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(row).to_contain_text(sla["name"])
    assert (await console.admin.get(f"/api/tickets/customers/{created['id']}")).json()["sla_id"] == sla["id"]
    await screenshot(page, "customers-list")

    await page.get_by_label("Search companies").fill(company)
    await expect(page.get_by_role("table", name="Customers").get_by_role("row")).to_have_count(2)

    await page.get_by_role("button", name=f"Delete {company}").click()
    await _confirm_hard_delete(
        page, "customers-delete-confirmation", "departments", "contacts", "device links"
    )
    await expect(row).to_have_count(0)
    assert (await console.admin.get(f"/api/tickets/customers/{created['id']}")).status_code == 404


async def test_the_customer_page_shows_its_departments_contacts_with_devices_and_tickets(
    page: Page, console: Console
) -> None:
    # The tickets listed are those the operator may see: here all of them.
    username = await console.operator(
        "tickets_enabled",
        "tickets_manage_customers",
        "tickets_manage_departments",
        "tickets_view_all_departments",
    )
    tenant, devices = await _inventory(console, "LT-0042", "LT-0043")
    customer = await _created(
        console, "/api/tickets/customers", {"company_name": f"Globex {_suffix()}", "tenant_id": tenant["id"]}
    )
    department = await _created(
        console,
        "/api/tickets/departments",
        {"name": f"Globex desk {_suffix()}", "customer_id": customer["id"]},
    )
    email = f"hank-{_suffix()}@globex.example"
    contact = await _created(
        console,
        "/api/tickets/contacts",
        {
            "email": email,
            "first_name": "Hank",
            "last_name": "Scorpio",
            "customer_id": customer["id"],
            "device_ids": [devices[0]["id"]],
        },
    )
    ticket = await console.ticket("The doomsday device hums", contact_id=contact["id"])

    await sign_in(page, console, username, at=f"/tickets/customers/details?id={customer['id']}")
    await expect(page.get_by_role("heading", name=customer["company_name"], level=1)).to_be_visible()
    await expect(page.get_by_role("table", name="Departments of this customer")).to_contain_text(
        department["name"]
    )
    contact_row = _row(page, "Contacts of this customer", email)
    await expect(contact_row).to_contain_text("Hank Scorpio")
    await expect(contact_row.get_by_role("list", name="Devices of Hank Scorpio")).to_contain_text("LT-0042")
    tickets = page.get_by_role("table", name="Tickets of this customer")
    await expect(tickets.get_by_role("link", name=ticket["number"])).to_be_visible()
    await expect(tickets).to_contain_text("The doomsday device hums")
    await _accessible(page, "customer detail")
    await screenshot(page, "customer-detail")

    # A contact edited in place: a second device of the company's tenant.
    await page.get_by_role("button", name="Edit Hank Scorpio").click()
    dialog = page.get_by_role("dialog", name="Edit contact Hank Scorpio")
    await _choose(page, "Linked Devices", "LT-0043")
    await _close_list(dialog)
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(contact_row).to_contain_text("LT-0043")

    await page.get_by_label("Address").fill("Cypress Creek")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.get_by_text(f"Customer {customer['company_name']} saved")).to_be_visible()
    detail = (await console.admin.get(f"/api/tickets/customers/{customer['id']}")).json()
    assert detail["address"] == "Cypress Creek"
    assert sorted(d["name"] for d in detail["contacts"][0]["devices"]) == ["LT-0042", "LT-0043"]

    await page.get_by_role("button", name="Delete customer").click()
    await _confirm_hard_delete(page, "customer-detail-delete-confirmation", "departments", "device links")
    await expect(page).to_have_url(f"{console.url}/tickets/customers")
    assert (await console.admin.get(f"/api/tickets/departments/{department['id']}")).status_code == 404
    assert (await console.admin.get(f"/api/tickets/contacts/{contact['id']}")).status_code == 404


async def test_contacts_are_created_edited_and_hard_deleted(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_customers")
    tenant, devices = await _inventory(console, "WS-0007")
    customer = await _created(
        console, "/api/tickets/customers", {"company_name": f"Initech {_suffix()}", "tenant_id": tenant["id"]}
    )
    department = await console.department()
    email = f"peter-{_suffix()}@initech.example"
    await sign_in(page, console, username, at="/tickets/contacts")
    await expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    await _accessible(page, "contacts")

    await page.get_by_role("button", name="New contact").click()
    dialog = page.get_by_role("dialog", name="New contact")
    await expect(dialog).to_contain_text("Choose a company first")
    await dialog.get_by_label("First Name").fill("Peter")
    await dialog.get_by_label("Last Name").fill("Gibbons")
    await dialog.get_by_label("Email", exact=True).fill("not an address")
    await dialog.get_by_label("Phone").fill("+1 555 0100")
    await dialog.get_by_label("Position / Role").fill("Programmer")
    await _choose(page, "Company", customer["company_name"])
    await _choose(page, "Department", department["name"])
    await _choose(page, "Linked Devices", "WS-0007")
    await _close_list(dialog)
    await _accessible(page, "contact dialog")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#contact-email-error")).to_contain_text("email")
    await expect(dialog.get_by_label("First Name")).to_have_value("Peter")
    await screenshot(page, "contacts-dialog-bad-email")
    await dialog.get_by_label("Email", exact=True).fill(email)
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    row = _row(page, "Contacts", email)
    for text in ("Gibbons", "Peter", "Programmer", customer["company_name"], department["name"]):
        await expect(row).to_contain_text(text)

    contact = (await console.admin.get("/api/tickets/contacts", params={"search": email})).json()[0]
    assert contact["customer_id"] == customer["id"] and contact["department_id"] == department["id"]
    assert [d["id"] for d in contact["devices"]] == [devices[0]["id"]]

    await page.get_by_role("button", name="Edit Peter Gibbons").click()
    dialog = page.get_by_role("dialog", name="Edit contact Peter Gibbons")
    await dialog.get_by_label("Phone").fill("+1 555 0199")
    await screenshot(page, "contacts-dialog-edit")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    await expect(row).to_contain_text("+1 555 0199")
    assert (await console.admin.get(f"/api/tickets/contacts/{contact['id']}")).json()[
        "phone"
    ] == "+1 555 0199"
    await screenshot(page, "contacts-list")

    await page.get_by_label("Search contacts").fill("Gibbons")
    await expect(page.get_by_role("table", name="Contacts").get_by_role("row")).to_have_count(2)

    await page.get_by_role("button", name="Delete Peter Gibbons").click()
    await _confirm_hard_delete(page, "contacts-delete-confirmation", "Peter Gibbons")
    await expect(row).to_have_count(0)
    assert (await console.admin.get(f"/api/tickets/contacts/{contact['id']}")).status_code == 404


async def test_without_tickets_manage_customers_there_is_no_customers_or_contacts_entry(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_departments")
    await sign_in(page, console, username)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Departments")).to_be_visible()
    for absent in ("Customers", "Contacts"):
        await expect(menu.get_by_role("link", name=absent, exact=True)).to_have_count(0)
    # The department form offers no customer link it could not read.
    await menu.get_by_role("link", name="Departments").click()
    await page.get_by_role("button", name="New department").click()
    dialog = page.get_by_role("dialog", name="New department")
    await expect(dialog.get_by_label("Name", exact=True)).to_be_visible()
    await expect(dialog.get_by_role("combobox", name="Customer")).to_have_count(0)
