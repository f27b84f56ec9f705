"""Alert sources and the ITSM settings in the console (issue 20 part 10, itsm.settings.manage) against
the real ITSM service: a source's name refused under its field, a new integration key shown once (with
copy and a warning) and gone after, the key working at the real intake until revoked, a second key
added, the source disabled and deleted; the storm and auto-close settings and the ITIL priority matrix
saved, a refused number under its field; the default SLA picked by name, one the SLA engine removed
meanwhile refused under its field; auto-close by hand, previewed and then run, for incidents.manage."""

from __future__ import annotations

import re
import secrets

from playwright.async_api import Page, expect

from tests.console.harness import Console, assert_accessible, screenshot, sign_in
from tests.console.itsm_harness import (
    ADMIN,
    MANAGE,
    incident,
    resolved_hours_ago,
    send_alert,
    settings_kept,
    sla,
    sla_known_to_itsm,
)


async def test_a_new_key_is_shown_once_works_until_revoked_and_the_source_is_disabled_and_deleted(
    page: Page, console: Console
) -> None:
    administrator = await console.operator(ADMIN)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    await sign_in(page, console, administrator)
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Alert Sources").click()
    await expect(page.get_by_role("heading", name="Alert Sources", level=1)).to_be_visible()
    await page.get_by_role("button", name="New Source").click()
    dialog = page.get_by_role("dialog", name="New alert source")
    await dialog.get_by_label("Name").fill("Zabbix Prod")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog.locator("#source-name-error")).not_to_be_empty()
    await assert_accessible(page, "new alert source refused")
    name = f"zabbix-{secrets.token_hex(3)}"
    await dialog.get_by_label("Name").fill(name)
    await dialog.get_by_label("Description").fill("Production Zabbix")
    await dialog.get_by_role("button", name="Create").click()
    await expect(dialog).to_be_hidden()

    notice = page.get_by_role("status").filter(has_text="shown this once")
    key = await notice.get_by_label("Integration key").input_value()
    assert len(key) > 20
    await notice.get_by_role("button", name="Copy").click()
    await expect(notice.get_by_role("button", name="Copied")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == key
    await assert_accessible(page, "alert source with its new key")
    await screenshot(page, "alert-sources-new-key")
    card = page.get_by_role("region", name=name)
    keys = card.get_by_role("table", name=f"Keys of {name}").locator("tbody tr")
    await expect(keys).to_have_count(1)
    await expect(keys.first).to_contain_text(f"…{key[-4:]}")
    await notice.get_by_role("button", name="Done").click()
    await expect(notice).to_have_count(0)
    await page.reload()
    await expect(card).to_be_visible()
    assert key not in await page.content()

    # The key works at the intake, and its use is shown.
    assert (
        await send_alert(console, key, host="web-1", rule="http-5xx", summary="5xx on web-1")
    ).status_code == 202
    await page.reload()
    await expect(keys.first.get_by_role("cell").nth(2)).not_to_have_text("Never")

    await card.get_by_role("button", name=f"Add key to {name}").click()
    second = await notice.get_by_label("Integration key").input_value()
    assert second != key
    await expect(keys).to_have_count(2)
    await notice.get_by_role("button", name="Done").click()
    await keys.first.get_by_role("button", name=f"Revoke key …{key[-4:]}").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
    await expect(keys.first).to_contain_text("Revoked")
    assert (await send_alert(console, key, host="web-1", rule="http-5xx", summary="again")).status_code == 401
    assert (
        await send_alert(console, second, host="web-2", rule="http-5xx", summary="5xx")
    ).status_code == 202

    await card.get_by_label("Enabled").click()
    await expect(card.get_by_text("Disabled", exact=True)).to_be_visible()
    assert (
        await send_alert(console, second, host="web-2", rule="http-5xx", summary="off")
    ).status_code == 401
    await screenshot(page, "alert-sources-revoked-disabled")

    await card.get_by_role("button", name=f"Delete source {name}").click()
    await page.get_by_role("alertdialog").get_by_role("button", name="Delete permanently").click()
    await expect(card).to_have_count(0)


async def test_the_itsm_settings_save_the_storm_window_auto_close_and_priority_matrix(
    page: Page, console: Console
) -> None:
    administrator = await console.operator(ADMIN)
    manager = await console.operator(MANAGE)
    async with settings_kept(console) as before:
        await sign_in(page, console, manager)
        menu = page.get_by_role("navigation", name="Main menu")
        await expect(menu.get_by_role("link", name="Incidents")).to_be_visible()
        await expect(menu.get_by_role("link", name="ITSM Settings")).to_have_count(0)
        await page.get_by_role("button", name="Sign out").click()

        await sign_in(page, console, administrator, at="/itsm/settings")
        form = page.get_by_role("form", name="ITSM settings")
        threshold = form.get_by_label("Storm threshold (hosts)")
        await expect(threshold).to_have_value(str(before["storm_host_threshold"]))
        cell = form.get_by_label("Priority for low impact and low urgency")
        await expect(cell).to_have_text("P4 Low")
        await assert_accessible(page, "itsm settings")
        await screenshot(page, "itsm-settings")
        # Auto-close by hand takes incidents.manage, which this administrator lacks.
        await expect(
            page.get_by_text("Running auto-close by hand takes the incidents.manage permission.")
        ).to_be_visible()
        await expect(page.get_by_role("button", name="Preview auto-close")).to_have_count(0)

        await form.get_by_label("Auto-close after (hours)").fill("0")
        await form.get_by_role("button", name="Save").click()
        await expect(form.locator("#setting-auto_close_hours-error")).not_to_be_empty()
        await form.get_by_label("Auto-close after (hours)").fill("72")
        await threshold.fill("4")
        await cell.click()
        await page.get_by_role("option", name="P3 Moderate").click()
        await form.get_by_role("button", name="Save").click()
        await expect(form.get_by_role("status")).to_have_text("Saved.")
        saved = (await console.admin.get("/api/itsm/settings")).json()
        assert (saved["auto_close_hours"], saved["storm_host_threshold"]) == (72, 4)
        assert saved["priority_matrix"]["low"]["low"] == "P3"
        assert saved["priority_matrix"]["high"] == before["priority_matrix"]["high"]


async def test_the_default_sla_is_picked_by_name_and_one_removed_meanwhile_refused_under_its_field(
    page: Page, console: Console
) -> None:
    tag = secrets.token_hex(3)
    gold, bronze = await sla(console, f"Gold {tag}"), await sla(console, f"Bronze {tag}")
    administrator = await console.operator(ADMIN)
    async with settings_kept(console):
        await sign_in(page, console, administrator, at="/itsm/settings")
        form = page.get_by_role("form", name="ITSM settings")
        picker = form.get_by_label("Default SLA")
        await picker.click()
        await page.get_by_role("option", name=f"Gold {tag}").click()
        await expect(picker).to_have_text(f"Gold {tag}")

        # The SLA engine removes it before the administrator saves.
        removed = await console.admin.delete(f"/api/sla/definitions/{gold['id']}")
        assert removed.status_code == 204, removed.text
        await sla_known_to_itsm(console, gold["id"], removed=True)
        await form.get_by_role("button", name="Save").click()
        error = form.locator("#setting-default_sla_id-error")
        await expect(error).to_have_text("There is no such SLA: the SLA engine removed it, or never had it.")
        await expect(form.get_by_role("alert")).to_have_count(1)
        await expect(picker).to_have_text(f"Gold {tag} (removed)")
        await assert_accessible(page, "itsm settings with a refused default sla")
        await screenshot(page, "itsm-settings-default-sla-refused")

        await picker.click()
        await page.get_by_role("option", name=f"Bronze {tag}").click()
        await form.get_by_role("button", name="Save").click()
        await expect(form.get_by_role("status")).to_have_text("Saved.")
        await expect(error).to_be_empty()
        assert (await console.admin.get("/api/itsm/settings")).json()["default_sla_id"] == bronze["id"]
        await page.reload()
        await expect(picker).to_have_text(f"Bronze {tag}")
        await picker.click()
        # The removed SLA is no longer offered.
        await expect(page.get_by_role("option", name=f"Gold {tag}")).to_have_count(0)
        await page.keyboard.press("Escape")
        await screenshot(page, "itsm-settings-default-sla")


async def test_auto_close_by_hand_previews_then_closes_the_incidents_resolved_long_enough_ago(
    page: Page, console: Console
) -> None:
    tag = secrets.token_hex(3)
    made = [await incident(console.admin, f"Stale {tag} {index}") for index in range(3)]
    for each in made:
        resolved = await console.admin.post(
            f"/api/itsm/incidents/{each['id']}/resolve", json={"resolution_code": "resolved"}
        )
        assert resolved.status_code == 200, resolved.text
    # Two resolved 30 hours ago, within the saved window's 48 hours, so the sweep leaves them.
    old = [each["id"] for each in made[:2]]
    await resolved_hours_ago(console, old, 30)
    manager = await console.operator(ADMIN, MANAGE)
    await sign_in(page, console, manager, at="/itsm/settings")
    section = page.get_by_role("region", name="Auto-close now")
    hours = section.get_by_label("Resolved at least (hours)")
    await hours.fill("0")
    await section.get_by_role("button", name="Preview auto-close").click()
    await expect(section.locator("#auto-close-stale-hours-error")).not_to_be_empty()

    await hours.fill("24")
    await section.get_by_role("button", name="Preview auto-close").click()
    preview = section.get_by_role("status")
    await expect(preview).to_contain_text("2 incidents would be closed: resolved at least 24 hours ago.")
    await expect(section.locator("#auto-close-stale-hours-error")).to_be_empty()
    await assert_accessible(page, "auto-close preview")
    await screenshot(page, "itsm-settings-auto-close-preview")
    assert await statuses(console, old) == ["resolved", "resolved"]

    await preview.get_by_role("button", name="Close 2 incidents").click()
    await expect(section.get_by_role("status")).to_have_text(re.compile(r"^2 incidents closed\."))
    await assert_accessible(page, "auto-close done")
    await screenshot(page, "itsm-settings-auto-close-done")
    assert await statuses(console, [each["id"] for each in made]) == ["closed", "closed", "resolved"]
    runs = (await console.admin.get("/api/itsm/incidents/auto-close/runs", params={"limit": 2})).json()
    assert [(run["actor_name"], run["dry_run"], run["stale_hours"]) for run in runs] == [
        (manager, False, 24),
        (manager, True, 24),
    ]
    assert sorted(runs[0]["incident_ids"]) == sorted(old)


async def statuses(console: Console, incident_ids: list[str]) -> list[str]:
    return [
        (await console.admin.get(f"/api/itsm/incidents/{incident_id}")).json()["status"]
        for incident_id in incident_ids
    ]
