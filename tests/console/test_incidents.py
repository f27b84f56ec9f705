"""The console's incident pages (issue 20 part 10) against the real ITSM service: the list (tabs with
counts, filters, search, "Load more", bulk acknowledge with a skipped incident and its reason), New
Incident (field errors under their fields), the incident detail (fields with their enrichment origins,
acknowledge, escalate, resolve and reopen with the timeline showing them, read-only without
incidents.manage), and the menu shown per flag. Alerts come over the real HTTP intake with a source's
key and become incidents through the ITSM consumers; every wait is on the API or the page."""

from __future__ import annotations

import re
import secrets
from typing import Any

from playwright.async_api import Page, expect

from tests.backbone.harness import eventually
from tests.console.harness import Console, assert_accessible, screenshot, sign_in
from tests.console.itsm_harness import MANAGE, VIEW, alert, incident, listed, source


async def test_the_list_counts_filters_and_bulk_acknowledges_with_a_skipped_incident(
    page: Page, console: Console
) -> None:
    tag = secrets.token_hex(3)
    _, key = await source(console)
    for index in range(3):
        await alert(
            console,
            key,
            host=f"db-{tag}-{index}",
            rule=f"disk-{index}",
            summary=f"Disk full on db {tag} {index}",
        )
    await incident(console.admin, f"Printer queue stuck {tag}", severity="info", host=f"print-{tag}")
    late = await incident(console.admin, f"VPN flapping {tag}", severity="error", host=f"vpn-{tag}")
    taken = await console.admin.post(f"/api/itsm/incidents/{late['id']}/acknowledge", json={})
    assert taken.status_code == 200, taken.text
    rows = await listed(console, tag, 5)
    by_host = {row["host"]: row for row in rows}
    assert by_host[f"db-{tag}-0"]["source"] and by_host[f"db-{tag}-0"]["alert_count"] == 1

    manager = await console.operator(MANAGE)
    await sign_in(page, console, manager)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Incidents")).to_be_visible()
    await expect(menu.get_by_role("link", name="Alert Sources")).to_have_count(0)
    await menu.get_by_role("link", name="Incidents").click()
    await expect(page.get_by_role("heading", name="Incidents", level=1)).to_be_visible()
    await page.get_by_label("Search").fill(tag)
    table = page.get_by_role("table", name="Incidents")
    body = table.locator("tbody tr")
    await expect(body).to_have_count(5)
    await expect(page.get_by_role("tab", name=re.compile(r"^Active"))).to_have_accessible_name("Active 5")
    await expect(page.get_by_role("tab", name=re.compile(r"^Acknowledged"))).to_have_accessible_name(
        "Acknowledged 1"
    )
    await expect(table.locator("thead th")).to_have_text(
        ["", "Number", "Priority", "Status", "Title", "Host", "Assignee", "Alerts", "Age"]
    )
    disk = body.filter(has_text=f"db-{tag}-1")
    await expect(disk.get_by_role("cell")).to_have_text(
        [
            "",
            re.compile(r"INC-\d+"),
            "P1",
            "Open",
            f"Disk full on db {tag} 1",
            f"db-{tag}-1",
            "Unassigned",
            "1",
            re.compile("now|second|minute"),
        ]
    )
    await expect(body.filter(has_text="VPN flapping")).to_contain_text("Acknowledged")
    await assert_accessible(page, "incident list")
    await screenshot(page, "incidents-list")

    # Filters stack with the search and live in the address.
    await page.get_by_label("Priority").click()
    await page.get_by_role("option", name="P4 Low").click()
    await expect(body).to_have_count(1)
    await expect(body.first).to_contain_text(f"Printer queue stuck {tag}")
    await expect(page).to_have_url(re.compile(r"priority=P4"))
    await page.get_by_label("Priority").click()
    await page.get_by_role("option", name="All").click()
    await expect(body).to_have_count(5)
    await page.get_by_role("tab", name=re.compile(r"^Acknowledged")).click()
    await expect(body).to_have_count(1)
    await page.get_by_role("tab", name=re.compile(r"^Active")).click()
    await page.get_by_label("Assignee").click()
    await page.get_by_role("option", name="Unassigned").click()
    await expect(body).to_have_count(4)

    # Three selected, one of them acknowledged already: two affected, one skipped with its reason.
    await page.get_by_label("Assignee").click()
    await page.get_by_role("option", name="Anyone").click()
    await expect(body).to_have_count(5)
    for host in (f"db-{tag}-0", f"db-{tag}-2", f"vpn-{tag}"):
        await body.filter(has_text=host).get_by_role("checkbox").check()
    toolbar = page.get_by_role("toolbar", name="Selected incidents")
    await expect(toolbar).to_contain_text("3 selected")
    await toolbar.get_by_role("button", name="Acknowledge").click()
    dialog = page.get_by_role("dialog", name="Acknowledge 3 incidents")
    await dialog.get_by_label("Comment").fill("Looking at the disks")
    await assert_accessible(page, "bulk acknowledge dialog")
    await dialog.get_by_role("button", name="Acknowledge").click()
    outcome = page.get_by_role("status").filter(has_text="of 3 incidents acknowledged")
    await expect(outcome).to_contain_text("2 of 3 incidents acknowledged")
    await expect(outcome.get_by_role("list", name="Skipped incidents")).to_have_text(
        f"{late['number']} is already acknowledged."
    )
    await expect(page.get_by_role("tab", name=re.compile(r"^Acknowledged"))).to_have_accessible_name(
        "Acknowledged 3"
    )
    # The dialog fades out after the answer; a screenshot before it is gone catches it half-drawn.
    await expect(dialog).to_be_hidden()
    await screenshot(page, "incidents-bulk-acknowledged")
    notes = await console.admin.get(f"/api/itsm/incidents/{by_host[f'db-{tag}-0']['id']}/notes")
    assert [note["body"] for note in notes.json()] == ["Looking at the disks"]

    # Bulk resolve with a code: the comment becomes each one's resolution notes.
    for host in (f"db-{tag}-0", f"print-{tag}"):
        await body.filter(has_text=host).get_by_role("checkbox").check()
    await toolbar.get_by_role("button", name="Resolve").click()
    dialog = page.get_by_role("dialog", name="Resolve 2 incidents")
    await dialog.get_by_label("Resolution code").click()
    await page.get_by_role("option", name="Duplicate").click()
    await dialog.get_by_label("Comment").fill("Same root cause as the storage outage")
    await dialog.get_by_role("button", name="Resolve").click()
    await expect(page.get_by_role("status").filter(has_text="incidents resolved")).to_contain_text(
        "2 of 2 incidents resolved"
    )
    await expect(body).to_have_count(3)
    printer = (await console.admin.get(f"/api/itsm/incidents/{by_host[f'print-{tag}']['id']}")).json()
    assert (printer["status"], printer["resolution_code"]) == ("resolved", "duplicate")
    assert printer["resolution_notes"] == "Same root cause as the storage outage"


async def test_load_more_appends_the_next_page(page: Page, console: Console) -> None:
    tag = secrets.token_hex(3)
    for index in range(52):
        await incident(console.admin, f"Batch {tag} {index:02d}", severity="info")
    await listed(console, tag, 52)
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at=f"/incidents?search={tag}")
    body = page.get_by_role("table", name="Incidents").locator("tbody tr")
    await expect(body).to_have_count(50)
    # Newest first.
    await expect(body.first).to_contain_text(f"Batch {tag} 51")
    await page.get_by_role("button", name="Load more").click()
    await expect(body).to_have_count(52)
    await expect(body.last).to_contain_text(f"Batch {tag} 00")
    await expect(page.get_by_role("button", name="Load more")).to_have_count(0)


async def test_new_incident_shows_refusals_under_their_fields_and_opens_what_it_made(
    page: Page, console: Console
) -> None:
    manager = await console.operator(MANAGE)
    await sign_in(page, console, manager, at="/incidents")
    await page.get_by_role("button", name="New Incident").click()
    dialog = page.get_by_role("dialog", name="New incident")
    await dialog.get_by_label("Host").fill("h" * 300)
    await dialog.get_by_role("button", name="Create incident").click()
    await expect(dialog.locator("#new-incident-title-error")).not_to_be_empty()
    await expect(dialog.locator("#new-incident-host-error")).not_to_be_empty()
    await expect(dialog.locator("#new-incident-category-error")).to_be_empty()
    await assert_accessible(page, "new incident dialog with errors")
    await screenshot(page, "incident-new-refused")

    title = f"Payments API answers 502 {secrets.token_hex(3)}"
    await dialog.get_by_label("Title").fill(title)
    await dialog.get_by_label("Host").fill("pay-gw-1")
    await dialog.get_by_label("Severity").click()
    await page.get_by_role("option", name="Critical").click()
    await dialog.get_by_label("Impact").click()
    await page.get_by_role("option", name="High").click()
    await dialog.get_by_role("button", name="Create incident").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_contain_text(title)
    await expect(page).to_have_url(re.compile(r"/incidents/[0-9a-f-]{36}$"))
    # Impact typed, urgency from the severity, the priority from the matrix: each says where it came from.
    classification = page.get_by_role("region", name="Classification")
    await expect(classification.locator("[data-origin]")).to_have_count(3)
    await expect(classification.get_by_text("Impact").locator("+ dd")).to_contain_text(
        f"impact: set by {manager}"
    )
    await expect(classification.get_by_text("Urgency").locator("+ dd")).to_contain_text(
        "urgency: severity critical"
    )
    priority = classification.locator("dd").first.locator("[data-origin]")
    await priority.hover()
    await expect(page.get_by_role("tooltip")).to_have_text("priority: ITIL matrix: impact high, urgency high")


async def test_the_detail_acknowledges_assigns_escalates_resolves_and_reopens_with_the_timeline(
    page: Page, console: Console
) -> None:
    tag = secrets.token_hex(3)
    group = await console.admin.post("/api/itsm/assignment-groups", json={"name": f"Network {tag}"})
    assert group.status_code == 201, group.text
    made = await incident(console.admin, f"Core switch down {tag}", severity="error", host=f"sw-{tag}")
    manager = await console.operator(MANAGE)
    await sign_in(page, console, manager, at=f"/incidents/{made['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{made['number']} Core switch down {tag}"
    )
    actions = page.get_by_role("toolbar", name="Incident actions")
    await expect(actions.get_by_role("button")).to_have_text(["Acknowledge", "Assign", "Escalate", "Resolve"])
    timeline = page.get_by_role("list", name="Timeline entries")
    await expect(timeline.get_by_role("listitem")).to_have_count(1)
    await assert_accessible(page, "incident detail")
    await screenshot(page, "incident-detail-open")

    await actions.get_by_role("button", name="Acknowledge").click()
    await expect(actions.get_by_role("button")).to_have_text(["Assign", "Escalate", "Resolve"])
    assignment = page.get_by_role("region", name="Assignment")
    # Nobody held it: the acknowledging operator takes it.
    await expect(assignment.get_by_text("Operator", exact=True).locator("+ dd")).to_have_text(manager)

    await actions.get_by_role("button", name="Assign").click()
    dialog = page.get_by_role("dialog", name=f"Assign {made['number']}")
    await dialog.get_by_label("Identity-provider user").fill("jane@idp.example")
    await dialog.get_by_label("Assignment group").click()
    await page.get_by_role("option", name=f"Network {tag}").click()
    await assert_accessible(page, "assign dialog")
    await dialog.get_by_role("button", name="Assign", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(assignment.get_by_text("Group", exact=True).locator("+ dd")).to_have_text(f"Network {tag}")
    await expect(assignment.get_by_text("Identity-provider user").locator("+ dd")).to_have_text(
        "jane@idp.example"
    )

    await actions.get_by_role("button", name="Escalate").click()
    dialog = page.get_by_role("dialog", name=f"Escalate {made['number']}")
    await dialog.get_by_label("Reason").fill("Two sites offline")
    await dialog.get_by_role("button", name="Escalate to level 1").click()
    await expect(page.get_by_text("Escalation level 1")).to_be_visible()

    await actions.get_by_role("button", name="Resolve").click()
    dialog = page.get_by_role("dialog", name=f"Resolve {made['number']}")
    await dialog.get_by_label("Resolution code").click()
    await page.get_by_role("option", name="Workaround").click()
    await dialog.get_by_label("Resolution notes").fill("Traffic moved to the spare switch")
    await assert_accessible(page, "resolve dialog")
    await screenshot(page, "incident-resolve-dialog")
    await dialog.get_by_role("button", name="Resolve").click()
    await expect(dialog).to_be_hidden()
    await expect(actions.get_by_role("button")).to_have_text(["Assign", "Reopen"])
    await expect(page.get_by_role("region", name="Resolution notes")).to_contain_text(
        "Traffic moved to the spare switch"
    )

    await actions.get_by_role("button", name="Reopen").click()
    dialog = page.get_by_role("dialog", name=f"Reopen {made['number']}")
    await dialog.get_by_label("Why it is reopened").fill("The spare switch overheats")
    await dialog.get_by_role("button", name="Reopen").click()
    await expect(dialog).to_be_hidden()
    await expect(actions.get_by_role("button")).to_have_text(["Acknowledge", "Assign", "Escalate", "Resolve"])

    summaries = timeline.locator(".summary")
    await expect(summaries).to_have_text(
        [
            re.compile(r"^Created by admin"),
            f"Acknowledged by {manager}",
            re.compile(r"^Assigned to operator .*identity-provider user jane@idp.example"),
            "Escalated to level 1: Two sites offline",
            f"Resolved by {manager} (workaround)",
            re.compile(r"\[Reopened\] The spare switch overheats"),
            f"Reopened by {manager}",
        ]
    )
    await screenshot(page, "incident-detail-reopened-timeline")
    await page.get_by_role("tab", name="Notes").click()
    notes = page.get_by_role("list", name="Notes on this incident")
    await expect(notes.get_by_role("listitem")).to_have_count(1)
    await expect(notes).to_contain_text("[Reopened] The spare switch overheats")


async def test_without_incidents_manage_everything_is_read_only_and_without_a_flag_hidden(
    page: Page, console: Console
) -> None:
    made = await incident(console.admin, f"Read me only {secrets.token_hex(3)}", severity="warning")
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at="/incidents")
    await expect(page.get_by_role("table", name="Incidents")).to_be_visible()
    await expect(page.get_by_role("button", name="New Incident")).to_have_count(0)
    await expect(page.get_by_role("table", name="Incidents").get_by_role("checkbox")).to_have_count(0)
    await page.goto(f"{console.url}/incidents/new")
    await expect(page.get_by_text("You may not open /incidents/new")).to_be_visible()

    await page.goto(f"{console.url}/incidents/{made['id']}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(made["number"])
    await expect(page.get_by_role("toolbar", name="Incident actions")).to_have_count(0)
    await expect(page.get_by_text("You can read this incident")).to_be_visible()
    await page.get_by_role("tab", name="Notes").click()
    await expect(page.get_by_text("No notes on this incident yet.")).to_be_visible()
    await expect(page.get_by_role("form", name="Add a note")).to_have_count(0)
    await assert_accessible(page, "read-only incident")
    await screenshot(page, "incident-detail-read-only")

    await page.get_by_role("button", name="Sign out").click()
    nobody = await console.operator("tickets_enabled")
    await sign_in(page, console, nobody)
    await expect(
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Incidents")
    ).to_have_count(0)
    await page.goto(f"{console.url}/incidents/{made['id']}")
    await expect(page.get_by_text(f"You may not open /incidents/{made['id']}")).to_be_visible()


async def test_the_detail_shows_the_due_times_the_sla_engine_set(page: Page, console: Console) -> None:
    sla_name = f"Incidents {secrets.token_hex(3)}"
    made_sla = await console.admin.post(
        "/api/sla/definitions", json={"name": sla_name, "response_hours": 1, "resolution_hours": 4}
    )
    assert made_sla.status_code == 201, made_sla.text
    created: dict[str, Any] = {}

    async def under_the_sla() -> bool:
        # 422 naming sla_id until the SLA has reached itsm.
        answer = await console.admin.post(
            "/api/itsm/incidents", json={"title": "Mail is down", "sla_id": made_sla.json()["id"]}
        )
        created.update(answer.json() if answer.status_code == 201 else {})
        return answer.status_code == 201

    await eventually(under_the_sla, within=60, what="the SLA to reach itsm")

    async def deadlines() -> bool:
        answer = await console.admin.get(f"/api/itsm/incidents/{created['id']}")
        return answer.json()["response_due_at"] is not None

    await eventually(deadlines, within=60, what="the SLA engine's deadlines on the incident")
    viewer = await console.operator(VIEW)
    await sign_in(page, console, viewer, at=f"/incidents/{created['id']}")
    times = page.get_by_role("region", name="SLA and times")
    await expect(times.get_by_text("SLA", exact=True).locator("+ dd")).to_contain_text(sla_name)
    await expect(times.get_by_text("Response due").locator("+ dd")).to_have_text(
        re.compile(r"\(in (\d+ minutes|1 hour)\)")
    )
    await expect(times.get_by_text("Resolution due").locator("+ dd")).to_have_text(
        re.compile(r"\(in \d+ hours\)")
    )
    await screenshot(page, "incident-detail-sla")
