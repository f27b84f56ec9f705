"""The administration pages of templates, labels & types, SLAs, the Ticket System settings,
operators and roles (10.2, 10.13-10.15, 10.18): each created, edited and deleted through the
console, with the API asked whether it agrees."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.async_api import Page, expect

from tests.console.harness import Console, assert_accessible, row, screenshot, sign_in, unique

SETTINGS_FLAGS = (
    "settings_system_enabled",
    "tickets_enabled",
    "tickets_manage_labels_types",
    "tickets_manage_sla",
)


async def confirm_hard_delete(page: Page, what: str) -> None:
    """The confirmation says the delete is hard; it is checked, pictured, then accepted."""
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text("This is a hard delete")
    await expect(prompt).to_contain_text("cannot be undone")
    await assert_accessible(page, f"{what} delete confirmation")
    await screenshot(page, f"{what}-delete-confirmation")
    await prompt.get_by_role("button", name="Delete").click()
    await expect(prompt).to_have_count(0)


# --- Templates (10.13) ---------------------------------------------------------------------------


async def create_template(page: Page, name: str, mode: str, body: str) -> None:
    await page.get_by_role("button", name="New template").click()
    dialog = page.get_by_role("dialog", name="New template")
    await dialog.get_by_label("Name", exact=True).fill(name)
    await dialog.get_by_role("button", name="Ticket", exact=True).click()
    await dialog.get_by_label("Subject").fill(f"Subject of {name}")
    await dialog.get_by_role("button", name=mode, exact=True).click()
    await dialog.get_by_role("textbox", name="Body", exact=True).fill(body)
    await expect(dialog.locator(".draft-preview")).to_contain_text(body.split("<")[0] or "Hello")
    await screenshot(page, f"templates-new-{mode.lower().replace(' ', '-')}")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    await expect(row(page, name)).to_be_visible()


async def read_template(console: Console, name: str) -> dict[str, Any]:
    summary = await console.named("/api/tickets/templates", name)
    assert summary, name
    answer = await console.admin.get(f"/api/tickets/templates/{summary['id']}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_templates_in_each_body_mode_are_created_previewed_edited_and_hard_deleted(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_templates")
    await sign_in(page, console, username, at="/tickets/templates")
    await expect(page.get_by_role("heading", name="Templates")).to_be_visible()
    await assert_accessible(page, "templates")

    rich, html, plain = unique("Rich"), unique("Html"), unique("Plain")
    await create_template(page, rich, "Rich Text", "Hello from the rich editor")
    await create_template(page, html, "HTML", "<p>Hello <strong>bold</strong></p><script>alert(1)</script>")
    await create_template(page, plain, "Plain Text", "Hello plain <b>not bold</b>")
    await screenshot(page, "templates-list")

    assert "Hello from the rich editor" in (await read_template(console, rich))["body_html"]
    stored_html = await read_template(console, html)
    assert "<strong>bold</strong>" in stored_html["body_html"]
    assert "script" not in stored_html["body_html"]
    stored_plain = await read_template(console, plain)
    assert stored_plain["body_text"] == "Hello plain <b>not bold</b>"
    assert "<b>" not in stored_plain["body_html"]
    assert stored_plain["type"] == "ticket"

    await row(page, html).get_by_role("button", name=f"Preview {html}").click()
    preview = page.get_by_role("dialog", name=f"Preview: {html}")
    await expect(preview.locator(".safe-html-body strong")).to_have_text("bold")
    await expect(preview.locator("script")).to_have_count(0)
    await assert_accessible(page, "template preview")
    await screenshot(page, "templates-preview")
    await preview.get_by_role("button", name="Close").click()

    await row(page, plain).get_by_role("button", name=f"Edit {plain}").click()
    dialog = page.get_by_role("dialog", name="Edit template")
    await expect(dialog.get_by_label("Name", exact=True)).to_have_value(plain)
    # Reopened in the mode it was written in, with the text as typed (not its HTML rendering).
    await expect(dialog.get_by_role("button", name="Plain Text", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(dialog.get_by_role("textbox", name="Body", exact=True)).to_have_value(
        "Hello plain <b>not bold</b>"
    )
    await dialog.get_by_role("button", name="Email", exact=True).click()
    await dialog.get_by_label("Subject").fill("A changed subject")
    await assert_accessible(page, "template editor")
    await screenshot(page, "templates-edit")
    await dialog.get_by_role("button", name="Save").click()
    await expect(row(page, plain)).to_contain_text("A changed subject")
    changed = await read_template(console, plain)
    assert (changed["subject"], changed["type"]) == ("A changed subject", "email")

    await row(page, rich).get_by_role("button", name=f"Delete {rich}").click()
    await confirm_hard_delete(page, "templates")
    await expect(row(page, rich)).to_have_count(0)
    assert await console.named("/api/tickets/templates", rich) is None


async def test_a_template_without_a_name_is_refused_under_the_field_and_keeps_the_body(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_templates")
    await sign_in(page, console, username, at="/tickets/templates")
    await page.get_by_role("button", name="New template").click()
    dialog = page.get_by_role("dialog", name="New template")
    await dialog.get_by_role("button", name="HTML", exact=True).click()
    await dialog.get_by_role("textbox", name="Body", exact=True).fill("<p>Kept body</p>")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#template-name-error")).not_to_be_empty()
    await expect(dialog.get_by_role("textbox", name="Body", exact=True)).to_have_value("<p>Kept body</p>")
    await assert_accessible(page, "template field error")
    await screenshot(page, "templates-field-error")


# --- Labels and types (10.14) --------------------------------------------------------------------


async def test_labels_and_types_are_created_edited_and_hard_deleted_and_a_label_shows_its_colour(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_labels_types")
    await sign_in(page, console, username, at="/tickets/labels-types")
    await expect(page.get_by_role("heading", name="Labels & Types")).to_be_visible()
    await assert_accessible(page, "labels and types")

    label = unique("Urgent")
    await page.get_by_role("button", name="New label").click()
    dialog = page.get_by_role("dialog", name="New label")
    await dialog.get_by_label("Label Name").fill(label)
    await dialog.get_by_label("Color", exact=True).fill("#zz0000")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#label-color-error")).not_to_be_empty()
    await expect(dialog.get_by_label("Label Name")).to_have_value(label)
    await screenshot(page, "labels-color-error")
    await dialog.get_by_label("Color", exact=True).fill("#D32F2F")
    await dialog.get_by_label("Pick a color").click()
    panel = page.locator(".p-colorpicker-panel")
    await expect(panel).to_be_visible()
    await assert_accessible(page, "label dialog with its colour picker")
    await screenshot(page, "labels-new-picker")
    await dialog.get_by_label("Label Name").click()
    await expect(panel).to_have_count(0)
    await expect(dialog.get_by_label("Color", exact=True)).to_have_value("#D32F2F")
    await dialog.get_by_role("button", name="Create").click()

    chip = row(page, label).locator(".label-chip")
    await expect(chip).to_have_css("background-color", "rgb(211, 47, 47)")
    await expect(row(page, label)).to_contain_text("#d32f2f")
    stored = await console.named("/api/tickets/labels", label)
    assert stored and stored["color"] == "#d32f2f"

    await row(page, label).get_by_role("button", name=f"Edit label {label}").click()
    dialog = page.get_by_role("dialog", name="Edit label")
    await dialog.get_by_label("Color", exact=True).fill("#2e7d32")
    await dialog.get_by_role("button", name="Save").click()
    await expect(chip).to_have_css("background-color", "rgb(46, 125, 50)")
    stored = await console.named("/api/tickets/labels", label)
    assert stored and stored["color"] == "#2e7d32"

    kind = unique("Incident")
    await page.get_by_role("button", name="New type").click()
    dialog = page.get_by_role("dialog", name="New type")
    await dialog.get_by_label("Type Name").fill(kind)
    await dialog.get_by_label("Description").fill("Something broke")
    await assert_accessible(page, "type dialog")
    await screenshot(page, "types-new")
    await dialog.get_by_role("button", name="Create").click()
    await expect(row(page, kind)).to_contain_text("Something broke")
    await row(page, kind).get_by_role("button", name=f"Edit type {kind}").click()
    dialog = page.get_by_role("dialog", name="Edit type")
    await dialog.get_by_label("Description").fill("Something is broken")
    await dialog.get_by_role("button", name="Save").click()
    await expect(row(page, kind)).to_contain_text("Something is broken")
    stored = await console.named("/api/tickets/types", kind)
    assert stored and stored["description"] == "Something is broken"
    await screenshot(page, "labels-types")

    await row(page, label).get_by_role("button", name=f"Delete label {label}").click()
    await confirm_hard_delete(page, "labels")
    await row(page, kind).get_by_role("button", name=f"Delete type {kind}").click()
    await confirm_hard_delete(page, "types")
    await expect(row(page, label)).to_have_count(0)
    await expect(row(page, kind)).to_have_count(0)
    assert await console.named("/api/tickets/labels", label) is None
    assert await console.named("/api/tickets/types", kind) is None


# --- SLA (10.15) ---------------------------------------------------------------------------------


async def test_an_sla_is_refused_under_its_field_then_created_edited_and_hard_deleted(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_sla")
    await sign_in(page, console, username, at="/tickets/sla")
    await expect(page.get_by_role("heading", name="SLA")).to_be_visible()
    await assert_accessible(page, "sla")

    name = unique("Gold")
    await page.get_by_role("button", name="New SLA").click()
    dialog = page.get_by_role("dialog", name="New SLA")
    await dialog.get_by_label("Name").fill(name)
    # Typing began while the dialog was still opening; its end does not take the focus away.
    await page.wait_for_function("() => !document.querySelector('.p-dialog-enter-active')")
    await expect(dialog.get_by_label("Name")).to_be_focused()
    await dialog.get_by_label("Response Time (hours)").fill("-4")
    await dialog.get_by_label("Resolution Time (hours)").fill("24")
    await dialog.get_by_label("Description").fill("Our best customers")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#sla-response-error")).not_to_be_empty()
    await expect(dialog.get_by_label("Name")).to_have_value(name)
    await expect(dialog.get_by_label("Description")).to_have_value("Our best customers")
    await assert_accessible(page, "sla field error")
    await screenshot(page, "sla-field-error")

    response = dialog.get_by_label("Response Time (hours)")
    await response.fill("4")
    # Still in the field, the form already holds the number: the thresholds' example reads it.
    await expect(response).to_be_focused()
    await expect(dialog).to_contain_text("For a response time of 4 h")
    await dialog.get_by_label("Priority Override").click()
    await page.get_by_role("option", name="High").click()
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    await expect(row(page, name)).to_contain_text("High")
    stored = await console.named("/api/sla/definitions", name)
    assert stored
    hours = (stored["response_hours"], stored["resolution_hours"])
    assert (hours, stored["priority_override"]) == ((4, 24), "high")
    await screenshot(page, "sla-list")

    await row(page, name).get_by_role("button", name=f"Edit SLA {name}").click()
    dialog = page.get_by_role("dialog", name="Edit SLA")
    await dialog.get_by_label("Resolution Time (hours)").fill("48")
    await dialog.get_by_label("Priority Override").click()
    await page.get_by_role("option", name="None").click()
    await screenshot(page, "sla-edit")
    await dialog.get_by_role("button", name="Save").click()
    # Closed once saved: the name's random hex may hold "48" itself, so the row alone proves nothing.
    await expect(dialog).to_have_count(0)
    await expect(row(page, name)).to_contain_text("48")
    stored = await console.named("/api/sla/definitions", name)
    assert stored and (stored["resolution_hours"], stored["priority_override"]) == (48, None)

    await row(page, name).get_by_role("button", name=f"Delete SLA {name}").click()
    await confirm_hard_delete(page, "sla")
    await expect(row(page, name)).to_have_count(0)
    assert await console.named("/api/sla/definitions", name) is None


# --- Settings, Ticket System (10.2) --------------------------------------------------------------


async def settings(console: Console) -> dict[str, Any]:
    answer = await console.admin.get("/api/tickets/settings")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_master_switch_hides_and_shows_the_tickets_menu_at_once(
    page: Page, console: Console
) -> None:
    username = await console.operator(*SETTINGS_FLAGS)
    try:
        await sign_in(page, console, username, at="/settings/ticket-system")
        menu = page.get_by_role("navigation", name="Main menu")
        tickets = menu.get_by_role("link", name="Tickets", exact=True)
        switch = page.get_by_role("switch", name="Ticket System Enabled")
        await expect(tickets).to_be_visible()
        await expect(switch).to_be_checked()
        await assert_accessible(page, "ticket system settings")
        await screenshot(page, "settings-general")

        await switch.click()
        await expect(page.get_by_role("status")).to_contain_text("switched off")
        await expect(switch).not_to_be_checked()
        await expect(tickets).to_have_count(0)
        assert (await settings(console))["ticket_system_enabled"] is False
        await page.get_by_role("tab", name="Labels & Types").click()
        await expect(page.get_by_text("Switch the Ticket System on")).to_be_visible()
        await screenshot(page, "settings-module-off")

        await page.get_by_role("tab", name="General").click()
        await page.get_by_role("switch", name="Ticket System Enabled").click()
        await expect(page.get_by_role("status")).to_contain_text("switched on")
        await expect(tickets).to_be_visible()
        assert (await settings(console))["ticket_system_enabled"] is True
    finally:
        # The module's other tests need the module on, whatever happened here.
        current = await settings(console)
        await console.admin.put(
            "/api/tickets/settings",
            json={
                "ticket_system_enabled": True,
                "ticket_number_prefix": current["ticket_number_prefix"],
                "blocked_extensions": current["blocked_extensions"],
            },
        )


async def test_blocked_extensions_become_normalised_chips_and_the_prefix_is_saved(
    page: Page, console: Console
) -> None:
    username = await console.operator(*SETTINGS_FLAGS)
    await sign_in(page, console, username, at="/settings/ticket-system")
    extensions = page.get_by_role("textbox", name="Blocked File Extensions")
    for typed in (".EXE", "bat", "exe", "PS1, .Js"):
        await extensions.fill(typed)
        await extensions.press("Enter")
    chips = page.get_by_role("list", name="Blocked File Extensions").get_by_role("listitem")
    await expect(chips).to_have_text([".exe", ".bat", ".ps1", ".js"])
    await page.get_by_role("button", name="Remove .js").click()
    await extensions.fill("JS")
    await extensions.blur()
    await expect(chips).to_have_text([".exe", ".bat", ".ps1", ".js"])
    await assert_accessible(page, "blocked extension chips")
    await page.get_by_label("Ticket Number Prefix").fill("HD")
    await expect(page.get_by_text("numbered like HD-000123")).to_be_visible()
    await screenshot(page, "settings-extensions")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Settings saved")
    stored = await settings(console)
    assert stored["ticket_number_prefix"] == "HD"
    assert stored["blocked_extensions"] == [".bat", ".exe", ".js", ".ps1"]
    assert stored["ticket_system_enabled"] is True

    await page.get_by_label("Ticket Number Prefix").fill("TKT")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Settings saved")
    assert (await settings(console))["ticket_number_prefix"] == "TKT"


async def test_the_labels_and_sla_tabs_manage_the_same_records_and_need_their_flags(
    page: Page, console: Console
) -> None:
    username = await console.operator(*SETTINGS_FLAGS)
    await sign_in(page, console, username, at="/settings/ticket-system?tab=labels-types")
    label = unique("Tab label")
    await page.get_by_role("button", name="New label").click()
    dialog = page.get_by_role("dialog", name="New label")
    await dialog.get_by_label("Label Name").fill(label)
    await dialog.get_by_label("Color", exact=True).fill("#1565c0")
    await dialog.get_by_role("button", name="Create").click()
    await expect(row(page, label).locator(".label-chip")).to_have_css("background-color", "rgb(21, 101, 192)")
    assert await console.named("/api/tickets/labels", label)
    await assert_accessible(page, "settings labels tab")
    await screenshot(page, "settings-labels-types")

    await page.get_by_role("tab", name="SLA").click()
    await expect(page.get_by_role("button", name="New SLA")).to_be_visible()
    await assert_accessible(page, "settings sla tab")
    await screenshot(page, "settings-sla")

    only_settings = await console.operator("settings_system_enabled")
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(page, console, only_settings, at="/settings/ticket-system")
    await expect(page.get_by_role("tab", name="General")).to_be_visible()
    await expect(page.get_by_role("tab", name="Labels & Types")).to_have_count(0)
    await expect(page.get_by_role("tab", name="SLA")).to_have_count(0)


# --- Operators and roles (10.18) -----------------------------------------------------------------


async def test_roles_are_created_with_flags_edited_and_deleted(page: Page, console: Console) -> None:
    username = await console.operator("operators_manage")
    await sign_in(page, console, username, at="/settings/roles")
    await expect(page.get_by_role("heading", name="Roles")).to_be_visible()
    await assert_accessible(page, "roles")

    name = unique("Agents")
    await page.get_by_role("button", name="New role").click()
    dialog = page.get_by_role("dialog", name="New role")
    await dialog.get_by_label("Name").fill(name)
    await dialog.get_by_label("Description").fill("Front-line agents")
    await expect(dialog.get_by_role("group", name="Ticket System")).to_be_visible()
    await dialog.get_by_label("tickets_enabled", exact=True).check()
    await dialog.get_by_label("tickets_create", exact=True).check()
    await assert_accessible(page, "role dialog")
    await screenshot(page, "roles-new")
    await dialog.get_by_role("button", name="Create").click()
    await expect(row(page, name)).to_contain_text("tickets_create")
    stored = await console.named("/api/roles", name)
    assert stored and sorted(stored["flags"]) == ["tickets_create", "tickets_enabled"]

    await row(page, name).get_by_role("button", name=f"Edit role {name}").click()
    dialog = page.get_by_role("dialog", name="Edit role")
    await dialog.get_by_label("tickets_create", exact=True).uncheck()
    await dialog.get_by_label("tickets_edit", exact=True).check()
    await dialog.get_by_role("button", name="Save").click()
    await expect(row(page, name)).to_contain_text("tickets_edit")
    stored = await console.named("/api/roles", name)
    assert stored and sorted(stored["flags"]) == ["tickets_edit", "tickets_enabled"]
    await screenshot(page, "roles-list")

    await row(page, name).get_by_role("button", name=f"Delete role {name}").click()
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text("lose the flags")
    await assert_accessible(page, "role delete confirmation")
    await prompt.get_by_role("button", name="Delete").click()
    await expect(row(page, name)).to_have_count(0)
    assert await console.named("/api/roles", name) is None


async def test_operators_are_created_edited_disabled_and_deleted(page: Page, console: Console) -> None:
    username = await console.operator("operators_manage", "tickets_enabled")
    department = await console.department(unique("Support"))
    role = await console.admin.post("/api/roles", json={"name": unique("Role"), "flags": ["tickets_create"]})
    assert role.status_code == 201, role.text
    role_name = role.json()["name"]
    await sign_in(page, console, username, at="/settings/operators")
    await expect(page.get_by_role("heading", name="Operators")).to_be_visible()
    await assert_accessible(page, "operators")

    new = f"new{secrets.token_hex(3)}"
    await page.get_by_role("button", name="New operator").click()
    dialog = page.get_by_role("dialog", name="New operator")
    await dialog.get_by_label("Username").fill(new)
    await dialog.get_by_label("Display name").fill("New Person")
    await dialog.get_by_label("E-mail").fill("not an address")
    await dialog.get_by_label("Password", exact=True).fill("a long enough password")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#operator-email-error")).not_to_be_empty()
    await expect(dialog.get_by_label("Username")).to_have_value(new)
    await screenshot(page, "operators-field-error")

    await dialog.get_by_label("E-mail").fill(f"{new}@example.com")
    await dialog.locator(".p-multiselect").click()
    await page.get_by_role("option", name=role_name).click()
    await page.keyboard.press("Escape")
    await dialog.get_by_label("Default department").click()
    await page.get_by_role("option", name=department["name"]).click()
    await dialog.get_by_label("tickets_view_statistics", exact=True).check()
    await assert_accessible(page, "operator dialog")
    await screenshot(page, "operators-new")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_have_count(0)
    await expect(row(page, new)).to_contain_text(role_name)
    await expect(row(page, new)).to_contain_text(department["name"])
    stored = next(item for item in await console.read("/api/operators") if item["username"] == new)
    assert stored["flags"] == ["tickets_view_statistics"]
    assert [item["name"] for item in stored["roles"]] == [role_name]
    assert stored["default_department_id"] == department["id"]

    await row(page, new).get_by_role("button", name=f"Edit {new}").click()
    dialog = page.get_by_role("dialog", name="Edit operator")
    await dialog.get_by_label("Display name").fill("Renamed Person")
    await dialog.get_by_label("tickets_view_statistics", exact=True).uncheck()
    await dialog.get_by_role("button", name="Save").click()
    await expect(row(page, new)).to_contain_text("Renamed Person")
    stored = next(item for item in await console.read("/api/operators") if item["username"] == new)
    assert (stored["display_name"], stored["flags"]) == ("Renamed Person", [])

    await row(page, new).get_by_role("button", name=f"Disable {new}").click()
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text("signed out")
    await prompt.get_by_role("button", name="Disable").click()
    await expect(row(page, new)).to_contain_text("Disabled")
    stored = next(item for item in await console.read("/api/operators") if item["username"] == new)
    assert stored["active"] is False
    await screenshot(page, "operators-list")

    await expect(row(page, username).get_by_role("button", name=f"Delete {username}")).to_be_disabled()
    await row(page, new).get_by_role("button", name=f"Delete {new}").click()
    prompt = page.get_by_role("alertdialog")
    await expect(prompt).to_contain_text("cannot be undone")
    await assert_accessible(page, "operator delete confirmation")
    await screenshot(page, "operators-delete-confirmation")
    await prompt.get_by_role("button", name="Delete").click()
    await expect(row(page, new)).to_have_count(0)
    assert all(item["username"] != new for item in await console.read("/api/operators"))
