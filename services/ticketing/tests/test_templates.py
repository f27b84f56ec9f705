"""Templates (seed 10.13): readable by the module, edited with tickets_manage_templates, bodies kept
sanitised with a plain-text fallback whatever the editor mode."""

from __future__ import annotations

import uuid

import pytest

from helpdesk_common.bodies import html_to_text, render_body, sanitise_html
from services.ticketing.tests.conftest import Ticketing

MANAGER = ("tickets_enabled", "tickets_manage_templates")
READER = ("tickets_enabled",)

HOSTILE = (
    '<p onclick="steal()">Dear <b>customer</b>,<script>alert("script")</script></p>'
    "<style>body { background: url(https://tracker.example/css.png) }</style>"
    '<p style="background: url(https://tracker.example/style.png)">Styled</p>'
    '<img src="https://tracker.example/pixel.gif" alt="ACME logo" onerror="alert(1)">'
    '<img src="//tracker.example/relative.gif"><img src="data:image/png;base64,iVBORw0KGgo=" alt="">'
    '<img src="cid:logo@acme.example" alt="inline logo" onload="alert(2)">'
    '<a href="javascript:alert(3)">click me</a> <a href="JaVaScRiPt&colon;alert(4)">or me</a>'
    '<a href="https://example.com/help" target="_blank" onmouseover="x()">help</a>'
    '<iframe src="https://evil.example/frame">iframe fallback</iframe>'
    '<object data="https://evil.example/flash">object fallback</object>'
    '<svg onload="alert(5)"><circle r="1"></circle></svg><form action="https://evil.example"><input></form>'
    "<!-- a comment -->"
)


async def _create(ticketing_app: Ticketing, **body: object) -> dict[str, object]:
    payload = {"name": "Welcome", "type": "email", "subject": "Hello", "body": "<p>Hi</p>", **body}
    response = await ticketing_app.client.post(
        "/templates", json=payload, headers=ticketing_app.as_operator(*MANAGER)
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_templates_need_the_module_switch(ticketing_app: Ticketing) -> None:
    off = await ticketing_app.client.get("/templates", headers=ticketing_app.as_operator(*MANAGER))
    assert off.status_code == 403 and off.json()["reason"] == "module_disabled"
    await ticketing_app.switch_module(True)
    assert (
        await ticketing_app.client.get("/templates", headers=ticketing_app.as_operator(*MANAGER))
    ).status_code == 200
    await ticketing_app.switch_module(False)
    refused = await ticketing_app.client.post(
        "/templates", json={"name": "x", "type": "email"}, headers=ticketing_app.as_operator(*MANAGER)
    )
    assert refused.status_code == 403 and refused.json()["reason"] == "module_disabled"


async def test_any_operator_in_the_module_reads_templates_but_only_managers_change_them(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    reader = ticketing_app.as_operator(*READER)
    template = await _create(ticketing_app)
    path = f"/templates/{template['id']}"

    assert [t["id"] for t in (await ticketing_app.client.get("/templates", headers=reader)).json()] == [
        template["id"]
    ]
    assert (await ticketing_app.client.get(path, headers=reader)).json() == template
    without_module_flag = await ticketing_app.client.get(
        "/templates", headers=ticketing_app.as_operator("tickets_manage_templates")
    )
    assert without_module_flag.status_code == 403 and without_module_flag.json()["flag"] == "tickets_enabled"

    for method, url, body in (
        ("POST", "/templates", {"name": "Other", "type": "ticket"}),
        ("PATCH", path, {"name": "Renamed"}),
        ("DELETE", path, None),
    ):
        refused = await ticketing_app.client.request(method, url, json=body, headers=reader)
        assert refused.status_code == 403, (method, refused.text)
        assert refused.json()["flag"] == "tickets_manage_templates"
    assert (await ticketing_app.client.get(path, headers=reader)).json() == template


async def test_a_template_keeps_its_author_type_subject_and_both_bodies(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    template = await _create(
        ticketing_app,
        name="  Password reset  ",
        type="ticket",
        subject="Your password",
        body_format="rich_text",
        body="<p>Hello,</p><p>follow <a href='https://example.com/reset'>this link</a>.</p>",
    )
    assert template["name"] == "Password reset"
    assert template["type"] == "ticket"
    assert template["subject"] == "Your password"
    assert template["author_name"] == "ada"
    assert template["body_html"] == (
        '<p>Hello,</p><p>follow <a href="https://example.com/reset" rel="noopener noreferrer">'
        "this link</a>.</p>"
    )
    assert template["body_text"] == "Hello,\n\nfollow this link (https://example.com/reset)."
    rows = await ticketing_app.sql("SELECT kind, author_id, author_name FROM ticketing.templates")
    assert rows[0]["kind"] == "ticket" and str(rows[0]["author_id"]) == template["author_id"]


async def test_hostile_html_is_kept_only_in_sanitised_form(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    template = await _create(ticketing_app, body_format="html", body=HOSTILE)
    stored = (await ticketing_app.sql("SELECT body_html, body_text FROM ticketing.templates"))[0]
    html = str(template["body_html"])
    assert stored["body_html"] == html
    lowered = html.lower()
    for forbidden in (
        "<script", "alert(", "<style", "style=", "onclick", "onerror", "onload", "onmouseover",
        "javascript", "tracker.example", "data:", "<iframe", "evil.example", "<object", "<svg",
        "<form", "<input", "target=", "<!--",
    ):  # fmt: skip
        assert forbidden not in lowered, forbidden
    # A remote image becomes its alt text; an inline (cid:) image stays, without its handler.
    assert "[ACME logo]" in html
    assert '<img src="cid:logo@acme.example" alt="inline logo">' in html
    assert '<a href="https://example.com/help" rel="noopener noreferrer">help</a>' in html
    assert "Dear <b>customer</b>," in html and "Styled" in html

    text = stored["body_text"]
    assert "alert" not in text and "background" not in text and "fallback" not in text
    assert text.startswith("Dear customer,\n\nStyled\n\n[ACME logo][inline logo]")
    assert "click me or me" in text and "help (https://example.com/help)" in text


async def test_the_text_fallback_in_each_editor_mode(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    html_body = (
        "<h2>Steps</h2><ol><li>Restart</li><li>Log in<ul><li>with SSO</li></ul></li></ol>"
        "<p>Line one<br>Line two</p><blockquote><p>Quoted</p></blockquote>"
        '<p>Mail <a href="mailto:help@acme.example">help@acme.example</a></p>'
    )
    expected_text = (
        "Steps\n\n1. Restart\n2. Log in\n  - with SSO\n\nLine one\nLine two\n\n> Quoted\n\n"
        "Mail help@acme.example"
    )
    for body_format in ("html", "rich_text"):
        template = await _create(ticketing_app, name=body_format, body_format=body_format, body=html_body)
        assert template["body_text"] == expected_text, body_format
        assert template["body_html"] == html_body.replace('">help', '" rel="noopener noreferrer">help'), (
            body_format
        )

    plain = "Hello <Ada> & team,\r\n\r\nthe printer is back.\nThanks!\n\n\n-- \nSupport"
    template = await _create(ticketing_app, name="plain", body_format="plain_text", body=plain)
    assert template["body_text"] == "Hello <Ada> & team,\n\nthe printer is back.\nThanks!\n\n\n-- \nSupport"
    assert template["body_html"] == (
        "<p>Hello &lt;Ada&gt; &amp; team,</p><p>the printer is back.<br>Thanks!</p><p>-- <br>Support</p>"
    )
    hostile_plain = await _create(
        ticketing_app, name="plain hostile", body_format="plain_text", body="<script>alert(1)</script>"
    )
    assert hostile_plain["body_html"] == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert hostile_plain["body_text"] == "<script>alert(1)</script>"


async def test_templates_are_listed_by_type_and_searched_in_name_and_subject(
    ticketing_app: Ticketing,
) -> None:
    await ticketing_app.switch_module(True)
    reader = ticketing_app.as_operator(*READER)
    await _create(ticketing_app, name="Welcome", type="email", subject="Hello there")
    await _create(ticketing_app, name="escalation note", type="ticket", subject="Escalated to 100% priority")
    await _create(ticketing_app, name="Closing", type="email", subject="We closed your ticket")

    async def names(query: str) -> list[str]:
        response = await ticketing_app.client.get(f"/templates{query}", headers=reader)
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()]

    assert await names("") == ["Closing", "escalation note", "Welcome"]
    assert await names("?type=email") == ["Closing", "Welcome"]
    assert await names("?type=ticket") == ["escalation note"]
    assert await names("?search=ESCAL") == ["escalation note"]
    assert await names("?search=hello") == ["Welcome"]
    assert await names("?search=ticket") == ["Closing"]
    assert await names("?search=100%25") == ["escalation note"]
    assert await names("?search=%25") == ["escalation note"]
    assert await names("?type=email&search=closed") == ["Closing"]
    listed = (await ticketing_app.client.get("/templates", headers=reader)).json()[0]
    assert "body_html" not in listed and listed["author_name"] == "ada"
    bad = await ticketing_app.client.get("/templates?type=sms", headers=reader)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "type"


async def test_a_template_is_changed_and_hard_deleted(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    manager = ticketing_app.as_operator(*MANAGER)
    template = await _create(ticketing_app)
    path = f"/templates/{template['id']}"

    renamed = await ticketing_app.client.patch(
        path, json={"name": "Greeting", "type": "ticket"}, headers=manager
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Greeting" and renamed.json()["type"] == "ticket"
    assert renamed.json()["body_html"] == template["body_html"]
    assert renamed.json()["author_id"] == template["author_id"]
    assert renamed.json()["updated_at"] > template["updated_at"]

    rebodied = await ticketing_app.client.patch(
        path, json={"body_format": "plain_text", "body": "Plain now"}, headers=manager
    )
    assert rebodied.json()["body_html"] == "<p>Plain now</p>" and rebodied.json()["body_text"] == "Plain now"

    assert (await ticketing_app.client.delete(path, headers=manager)).status_code == 204
    assert (await ticketing_app.client.get(path, headers=manager)).status_code == 404
    assert await ticketing_app.sql("SELECT id FROM ticketing.templates") == []


async def test_bad_template_input_names_the_field(ticketing_app: Ticketing) -> None:
    await ticketing_app.switch_module(True)
    manager = ticketing_app.as_operator(*MANAGER)
    too_big = "x" * (512 * 1024 + 1)
    for body, field in (
        ({"name": "", "type": "email"}, "name"),
        ({"name": "   ", "type": "email"}, "name"),
        ({"type": "email"}, "name"),
        ({"name": "x", "type": "sms"}, "type"),
        ({"name": "x"}, "type"),
        ({"name": "x", "type": "email", "body_format": "markdown", "body": "*hi*"}, "body_format"),
        ({"name": "x", "type": "email", "body": too_big}, "body"),
        ({"name": "x", "type": "email", "body": "é" * (256 * 1024 + 1)}, "body"),
        ({"name": "x", "type": "email", "subject": "s" * 1001}, "subject"),
        ({"name": "x", "type": "email", "author_name": "someone else"}, "author_name"),
    ):
        response = await ticketing_app.client.post("/templates", json=body, headers=manager)
        assert response.status_code == 422, (field, response.text)
        assert any(error["field"] == field for error in response.json()["errors"]), (field, response.json())

    template = await _create(ticketing_app)
    path = f"/templates/{template['id']}"
    changes: tuple[tuple[dict[str, str | None], str], ...] = (
        ({"body": "<p>new</p>"}, "body_format"),
        ({"body_format": "plain_text"}, "body"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"type": "sms"}, "type"),
        ({"body_format": "html", "body": too_big}, "body"),
    )
    for change, field in changes:
        response = await ticketing_app.client.patch(path, json=change, headers=manager)
        assert response.status_code == 422, (field, response.text)
        assert any(error["field"] == field for error in response.json()["errors"]), (field, response.json())
    assert (await ticketing_app.client.get(path, headers=manager)).json() == template

    at_the_limit = await _create(ticketing_app, name="big", body_format="plain_text", body="y" * 512 * 1024)
    assert len(str(at_the_limit["body_text"])) == 512 * 1024

    unknown = f"/templates/{uuid.uuid4()}"
    assert (await ticketing_app.client.get(unknown, headers=manager)).status_code == 404
    assert (await ticketing_app.client.patch(unknown, json={"name": "x"}, headers=manager)).status_code == 404
    assert (await ticketing_app.client.delete(unknown, headers=manager)).status_code == 404
    assert (await ticketing_app.client.get("/templates/not-a-uuid", headers=manager)).status_code == 422


@pytest.mark.parametrize(
    ("hostile", "safe"),
    [
        ('<a href=" javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="java&#x09;script:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="/relative">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="cid:part">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src=" CID:part@x" alt="a">', '<img src=" CID:part@x" alt="a">'),
        ('<img srcset="https://t.example/a.png 2x" alt="a">', "[a]"),
        ('<img src="https://t.example/a.png" alt="&quot;b&quot; &lt;c&gt;">', "[&quot;b&quot; &lt;c&gt;]"),
        ("<base href='https://evil.example/'><meta http-equiv='refresh' content='0'>ok", "ok"),
        ('<link rel="stylesheet" href="https://evil.example/x.css">ok', "ok"),
        ("<math><mi>x</mi></math><noscript>n</noscript><template>t</template>ok", "ok"),
        ('<table background="https://t.example/bg.png"><tr><td>c</td></tr></table>',
         "<table><tbody><tr><td>c</td></tr></tbody></table>"),
    ],
)  # fmt: skip
def test_the_sanitiser_refuses_what_loads_or_runs(hostile: str, safe: str) -> None:
    assert sanitise_html(hostile) == safe


def test_the_text_fallback_of_tables_rules_and_preformatted_text() -> None:
    html = (
        "<table><tr><th>Host</th><th>OS</th></tr><tr><td>lt-1</td><td>Windows</td></tr></table>"
        "<hr><pre>  indented\n    more</pre><p>a&nbsp;b &amp; c</p>"
    )
    assert html_to_text(sanitise_html(html)) == (
        "Host | OS\nlt-1 | Windows\n\n--------------------\n\n  indented\n    more\n\na b & c"
    )
    assert render_body("", "html").text == "" and render_body("", "plain_text").html == ""
    assert render_body("<script>x</script>", "rich_text").html == ""
