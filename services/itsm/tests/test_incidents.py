"""The incident record over HTTP (seed "Incident Management"): created by hand with its enrichment,
assigned, escalated, acknowledged, resolved, reopened, acted on in bulk, its notes and timeline, and
the flags each needs; every change announced through the outbox."""

from __future__ import annotations

from typing import Any

VIEW = "incidents.view"
MANAGE = "incidents.manage"
ADMIN = "itsm.settings.manage"
Desk = Any
Person = Any


async def create(desk: Desk, person: Person, expect: int = 201, **body: Any) -> Any:
    answer = await desk.client.post(
        "/incidents", json={"title": "Mail is down", **body}, headers=person.headers
    )
    assert answer.status_code == expect, answer.text
    return answer.json()


async def act(
    desk: Desk, person: Person, incident: dict[str, Any], action: str, expect: int = 200, **body: Any
) -> Any:
    answer = await desk.client.post(
        f"/incidents/{incident['id']}/{action}", json=body, headers=person.headers
    )
    assert answer.status_code == expect, answer.text
    return answer.json()


async def test_a_manual_incident_is_enriched_numbered_on_its_timeline_and_announced(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    incident = await create(desk, ada, severity="critical", description="Nobody receives mail.")
    assert incident["number"].startswith("INC-") and incident["status"] == "open"
    # critical: urgency high, impact high -> P1 in the default matrix, each with its origin.
    assert (incident["impact"], incident["urgency"], incident["priority"]) == ("high", "high", "P1")
    assert incident["enrichment"]["urgency"]["origin"] == "severity critical"
    assert incident["enrichment"]["priority"]["origin"].startswith("ITIL matrix")
    assert incident["created_by_id"] == str(ada.id)

    chosen = await create(desk, ada, severity="critical", impact="low", urgency="medium")
    assert chosen["priority"] == "P4"
    assert chosen["enrichment"]["impact"]["origin"] == "set by ada"

    timeline = await desk.timeline(incident["id"])
    assert [entry["kind"] for entry in timeline] == ["created"]
    assert timeline[0]["actor"] == "ada"
    created = await desk.published("incident_created")
    assert [event["data"]["incident"]["id"] for event in created] == [incident["id"], chosen["id"]]
    assert created[0]["bus_subject"] == "itsm.incident.created"
    assert created[0]["data"]["actor_id"] == str(ada.id)


async def test_assignment_takes_any_combination_and_all_null_unassigns(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    grace = await desk.person("grace", MANAGE)
    admin = await desk.person("root", ADMIN)
    group = (
        await desk.client.post("/assignment-groups", json={"name": "Network"}, headers=admin.headers)
    ).json()
    incident = await create(desk, ada)

    both = await act(
        desk,
        ada,
        incident,
        "assign",
        assignee_id=str(grace.id),
        assignee_idp_user="okta|00u42",
        assignment_group_id=group["id"],
    )
    assert (both["assignee_id"], both["assignee_username"]) == (str(grace.id), "grace")
    assert (both["assignee_idp_user"], both["assignment_group_id"]) == ("okta|00u42", group["id"])
    only_group = await act(desk, ada, incident, "assign", assignee_id=None, assignment_group_id=group["id"])
    assert only_group["assignee_id"] is None and only_group["assignment_group_id"] == group["id"]
    nobody = await act(
        desk, ada, incident, "assign", assignee_id=None, assignee_idp_user=None, assignment_group_id=None
    )
    assert (nobody["assignee_id"], nobody["assignee_idp_user"], nobody["assignment_group_id"]) == (
        None,
        None,
        None,
    )

    unknown = await act(
        desk, ada, incident, "assign", 422, assignee_id="00000000-0000-0000-0000-000000000001"
    )
    assert unknown["errors"][0]["field"] == "assignee_id"
    assigned = await desk.published("incident_assigned")
    assert len(assigned) == 3
    assert assigned[0]["data"]["changes"]["assignee_id"] == {"old": None, "new": str(grace.id)}
    kinds = [
        entry["summary"] for entry in await desk.timeline(incident["id"]) if entry["kind"] == "assignment"
    ]
    assert kinds[-1] == "Unassigned" and "operator grace" in kinds[0] and "group Network" in kinds[0]


async def test_acknowledge_resolve_and_reopen_follow_the_lifecycle(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    incident = await create(desk, ada)

    acknowledged = await act(desk, ada, incident, "acknowledge")
    assert acknowledged["status"] == "acknowledged" and acknowledged["assignee_username"] == "ada"
    again = await act(desk, ada, incident, "acknowledge", 409)
    assert "already acknowledged" in again["detail"]

    bad_code = await act(desk, ada, incident, "resolve", 422, resolution_code="fixed")
    assert bad_code["errors"][0]["field"] == "resolution_code"
    resolved = await act(
        desk, ada, incident, "resolve", resolution_code="workaround", resolution_notes="Restarted"
    )
    assert (resolved["status"], resolved["resolution_code"]) == ("resolved", "workaround")
    assert resolved["resolution_notes"] == "Restarted" and resolved["resolved_at"]
    assert (await act(desk, ada, incident, "resolve", 409, resolution_code="resolved"))["status"] == 409
    assert (await act(desk, ada, incident, "escalate", 409))["status"] == 409

    desk.at(hours=2)
    reopened = await act(desk, ada, incident, "reopen", notes="It is back")
    assert reopened["status"] == "open" and reopened["reopened_at"] == desk.clock.now().isoformat().replace(
        "+00:00", "Z"
    )
    assert reopened["resolution_code"] is None and reopened["resolved_at"] is None
    notes = (await desk.client.get(f"/incidents/{incident['id']}/notes", headers=ada.headers)).json()
    assert [note["body"] for note in notes] == ["[Reopened] It is back"]
    assert (await act(desk, ada, incident, "reopen", 409))["status"] == 409

    types = [event["type"] for event in await desk.published()]
    assert types == ["incident_created", "incident_acknowledged", "incident_resolved", "incident_reopened"]
    kinds = [entry["kind"] for entry in await desk.timeline(incident["id"])]
    assert kinds == ["created", "status", "status", "note", "status"]


async def test_escalation_raises_the_level_each_time_with_its_reason(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    incident = await create(desk, ada)
    assert (await act(desk, ada, incident, "escalate", reason="Customer VIP"))["escalation_level"] == 1
    assert (await act(desk, ada, incident, "escalate"))["escalation_level"] == 2
    escalated = await desk.published("incident_escalated")
    assert [event["data"]["changes"]["escalation_level"]["new"] for event in escalated] == [1, 2]
    summaries = [
        entry["summary"] for entry in await desk.timeline(incident["id"]) if entry["kind"] == "escalation"
    ]
    assert summaries == ["Escalated to level 1: Customer VIP", "Escalated to level 2"]


async def test_editing_recomputes_the_priority_from_the_matrix(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    incident = await create(desk, ada, severity="warning")
    assert incident["priority"] == "P4"  # warning: impact low, urgency medium
    changed = await desk.client.patch(
        f"/incidents/{incident['id']}",
        json={"impact": "high", "title": "Mail is down everywhere"},
        headers=ada.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["priority"] == "P2" and changed.json()["title"] == "Mail is down everywhere"
    null_title = await desk.client.patch(
        f"/incidents/{incident['id']}", json={"title": None}, headers=ada.headers
    )
    assert null_title.status_code == 422
    updated = await desk.published("incident_updated")
    assert set(updated[0]["data"]["changes"]) == {"impact", "priority", "title"}


async def test_bulk_actions_count_affected_against_requested_and_append_the_comment(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    first, second, third = [await create(desk, ada, title=f"Incident {n}") for n in range(3)]
    await act(desk, ada, third, "resolve", resolution_code="duplicate")
    missing = "00000000-0000-0000-0000-0000000000aa"

    answer = await desk.client.post(
        "/incidents/bulk",
        json={
            "action": "acknowledge",
            "incident_ids": [first["id"], second["id"], third["id"], missing],
            "comment": "On it",
        },
        headers=ada.headers,
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["requested"], result["affected"]) == (4, 2)
    assert set(result["affected_ids"]) == {first["id"], second["id"]}
    assert {each["id"] for each in result["skipped"]} == {third["id"], missing}
    for incident in (first, second):
        notes = (await desk.client.get(f"/incidents/{incident['id']}/notes", headers=ada.headers)).json()
        assert [note["body"] for note in notes] == ["On it"]
    third_notes = (await desk.client.get(f"/incidents/{third['id']}/notes", headers=ada.headers)).json()
    assert third_notes == []

    resolved = await desk.client.post(
        "/incidents/bulk",
        json={"action": "resolve", "incident_ids": [first["id"], second["id"]], "comment": "Fixed upstream"},
        headers=ada.headers,
    )
    assert resolved.json()["affected"] == 2
    assert {i["status"] for i in await desk.incidents()} == {"resolved"}


async def test_only_a_notes_author_or_an_administrator_edits_or_deletes_it(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    grace = await desk.person("grace", MANAGE)
    root = await desk.person("root", MANAGE, ADMIN)
    incident = await create(desk, ada)
    path = f"/incidents/{incident['id']}/notes"
    note = (
        await desk.client.post(path, json={"body": "Looking at the MX records"}, headers=ada.headers)
    ).json()

    foreign = await desk.client.put(f"{path}/{note['id']}", json={"body": "Mine now"}, headers=grace.headers)
    assert foreign.status_code == 403
    assert (await desk.client.delete(f"{path}/{note['id']}", headers=grace.headers)).status_code == 403
    own = await desk.client.put(
        f"{path}/{note['id']}", json={"body": "MX records are fine"}, headers=ada.headers
    )
    assert own.status_code == 200 and own.json()["body"] == "MX records are fine"
    assert (await desk.client.delete(f"{path}/{note['id']}", headers=root.headers)).status_code == 204
    assert (await desk.client.get(path, headers=ada.headers)).json() == []
    empty = await desk.client.post(path, json={"body": "  "}, headers=ada.headers)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body"


async def test_reading_needs_view_or_manage_and_changing_needs_manage(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    viewer = await desk.person("viewer", VIEW)
    nobody = await desk.person("nobody")
    incident = await create(desk, ada)

    assert (await desk.client.get("/incidents", headers=viewer.headers)).status_code == 200
    assert (await desk.client.get(f"/incidents/{incident['id']}", headers=viewer.headers)).status_code == 200
    refused = await desk.client.get("/incidents", headers=nobody.headers)
    assert refused.status_code == 403 and refused.json()["any_of"] == [VIEW, MANAGE]
    assert (await create(desk, viewer, 403))["flag"] == MANAGE
    assert (await act(desk, viewer, incident, "acknowledge", 403))["flag"] == MANAGE
    assert (await desk.client.get("/alert-sources", headers=ada.headers)).json()["flag"] == ADMIN
    assert (await desk.client.get("/incidents")).status_code == 401


async def test_the_list_filters_pages_and_counts_by_status(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    made = []
    for n in range(5):
        desk.at(minutes=n)
        made.append(await create(desk, ada, title=f"Disk full {n}", severity="critical" if n % 2 else "info"))
    await act(desk, ada, made[0], "resolve", resolution_code="resolved")

    page = (await desk.client.get("/incidents", params={"limit": 2}, headers=ada.headers)).json()
    assert [i["title"] for i in page["items"]] == ["Disk full 4", "Disk full 3"]
    assert page["counts"] == {"open": 4, "acknowledged": 0, "resolved": 1, "closed": 0}
    rest = (
        await desk.client.get(
            "/incidents", params={"limit": 2, "cursor": page["next_cursor"]}, headers=ada.headers
        )
    ).json()
    assert [i["title"] for i in rest["items"]] == ["Disk full 2", "Disk full 1"]

    p1 = await desk.incidents(priority="P1")
    assert {i["title"] for i in p1} == {"Disk full 1", "Disk full 3"}
    open_only = (await desk.client.get("/incidents", params={"status": "open"}, headers=ada.headers)).json()
    assert len(open_only["items"]) == 4 and open_only["counts"]["resolved"] == 1
    assert {i["title"] for i in await desk.incidents(search="full 2")} == {"Disk full 2"}
    assert len(await desk.incidents(unassigned="true")) == 5
    bad = await desk.client.get("/incidents", params={"cursor": "nonsense"}, headers=ada.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_an_sla_given_must_exist_and_wins_over_the_defaults(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    gold = await desk.sla("Gold")
    unknown = await create(desk, ada, 422, sla_id="00000000-0000-0000-0000-000000000002")
    assert unknown["errors"][0]["field"] == "sla_id"
    incident = await create(desk, ada, sla_id=str(gold))
    assert incident["sla_id"] == str(gold) and incident["enrichment"]["sla_id"]["origin"] == "set by ada"


async def test_the_operators_an_incident_can_be_assigned_to_are_itsms_own_copy(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    await desk.person("grace", VIEW)
    listed = (await desk.client.get("/operators", headers=ada.headers)).json()
    assert [o["username"] for o in listed] == ["ada", "grace"]
    assert [
        o["username"]
        for o in (await desk.client.get("/operators", params={"search": "GRA"}, headers=ada.headers)).json()
    ] == ["grace"]
    nobody = await desk.person("nobody")
    assert (await desk.client.get("/operators", headers=nobody.headers)).status_code == 403
