"""Signing in and out, the session's end, and the menu each operator's flags allow (10.2, 10.18)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.console.harness import Console, assert_accessible, screenshot, sign_in
from tests.journeys.stack import PASSWORD


async def test_sign_in_page_refuses_a_wrong_password_in_words(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled")
    await page.goto(console.url)
    await expect(page).to_have_url(f"{console.url}/sign-in?redirect=/")
    await assert_accessible(page, "sign-in")
    await page.get_by_label("Username").fill(username)
    await page.locator("#password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("The username or password is wrong.")
    await screenshot(page, "sign-in-refused")


async def test_a_deep_link_survives_sign_in_and_sign_out_returns_to_sign_in(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled")
    await page.goto(f"{console.url}/tickets")
    await expect(page).to_have_url(f"{console.url}/sign-in?redirect=/tickets")
    await page.get_by_label("Username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{console.url}/tickets")
    await page.reload()
    await expect(page).to_have_url(f"{console.url}/tickets")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{console.url}/sign-in")
    await page.goto(f"{console.url}/tickets")
    await expect(page).to_have_url(f"{console.url}/sign-in?redirect=/tickets")


async def test_an_expired_session_returns_to_sign_in_and_back_where_the_operator_was(
    page: Page, console: Console
) -> None:
    username = await console.operator("tickets_enabled")
    await sign_in(page, console, username, at="/tickets")
    await page.context.clear_cookies()
    await page.get_by_role("link", name="Tickets").first.click()
    await page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    await page.goto(f"{console.url}/tickets")
    await expect(page).to_have_url(f"{console.url}/sign-in?redirect=/tickets")


async def test_the_menu_shows_only_what_the_flags_allow(page: Page, console: Console) -> None:
    username = await console.operator("tickets_enabled", "tickets_manage_templates")
    await sign_in(page, console, username)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Tickets", exact=True)).to_be_visible()
    await expect(menu.get_by_role("link", name="Templates")).to_be_visible()
    for absent in (
        "Departments",
        "Customers",
        "Contacts",
        "Labels & Types",
        "SLA",
        "Ticket System",
        "Operators",
    ):
        await expect(menu.get_by_role("link", name=absent, exact=True)).to_have_count(0)
    await assert_accessible(page, "home")
    await screenshot(page, "home-templates-operator")


async def test_without_tickets_enabled_there_is_no_tickets_menu(page: Page, console: Console) -> None:
    username = await console.operator("tickets_manage_templates")
    await sign_in(page, console, username)
    menu = page.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Tickets", exact=True)).to_have_count(0)
    await expect(menu.get_by_role("link", name="Templates")).to_have_count(0)
    await page.goto(f"{console.url}/tickets")
    await expect(page.get_by_text("You may not open /tickets")).to_be_visible()
