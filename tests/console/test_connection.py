"""A lost connection is shown; reads, and writes that carry an Idempotency-Key (a comment), are sent
again when the server answers, once; another write says in words that it could not leave, and what
was typed stays."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.console.harness import Console, screenshot, sign_in


async def test_a_lost_connection_is_shown_and_nothing_typed_is_lost_or_sent_twice(
    page: Page, console: Console
) -> None:
    department = await console.department()
    username = await console.operator("tickets_enabled", "tickets_edit", departments=[department["id"]])
    ticket = await console.ticket("Network flaps on floor 2", department_id=department["id"])
    await sign_in(page, console, username, at=f"/tickets/{ticket['number']}")
    await page.get_by_role("group", name="Message: editor mode").get_by_text("Plain Text").click()
    body = page.get_by_label("Message", exact=True)
    await body.fill("Rebooting the core switch now")
    banner = page.get_by_role("status").filter(has_text="Connection lost")

    # The comment waits for the connection (its key makes sending it again safe) and goes out once.
    await page.context.set_offline(True)
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(banner).to_be_visible()
    await expect(body).to_have_value("Rebooting the core switch now")
    await screenshot(page, "connection-lost-composer")
    await page.context.set_offline(False)
    await expect(page.get_by_role("log", name="Messages")).to_contain_text("Rebooting the core switch now")
    await expect(banner).to_be_hidden()
    comments = await console.admin.get(f"/api/tickets/{ticket['number']}/comments")
    assert [c["body_text"] for c in comments.json()].count("Rebooting the core switch now") == 1

    # A save without a key is not sent blindly again: it says so, and the edit stays on screen.
    await page.get_by_role("tab", name="Details").click()
    title = page.get_by_role("dialog").get_by_label("Title")
    await title.fill("Network flaps on floors 2 and 3")
    await page.context.set_offline(True)
    await page.get_by_role("dialog").get_by_role("button", name="Save").click()
    await expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("could not be reached")
    await expect(title).to_have_value("Network flaps on floors 2 and 3")

    # Back to the queue while offline: its read waits and is tried again.
    await page.keyboard.press("Escape")
    await expect(page).to_have_url(f"{console.url}/tickets")
    await expect(banner).to_be_visible()
    await page.context.set_offline(False)
    await expect(banner).to_be_hidden()
    await expect(page.get_by_role("link", name=ticket["number"])).to_be_visible()
