"""Auto-closing stale resolved incidents (seed A-02): after 48 hours resolved without a reopen, by the
sweep or by hand; a preview changes nothing; every run by hand leaves an audit entry naming its actor;
two sweeps at once close each incident once."""

from __future__ import annotations

import asyncio
from typing import Any

from itsm.autoclose import service

Desk = Any
MANAGE = "incidents.manage"


async def resolved_incident(desk: Desk, person: Any, title: str) -> dict[str, Any]:
    created = (await desk.client.post("/incidents", json={"title": title}, headers=person.headers)).json()
    answer = await desk.client.post(
        f"/incidents/{created['id']}/resolve", json={"resolution_code": "resolved"}, headers=person.headers
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_a_preview_lists_the_eligible_and_a_run_closes_them_each_audited(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    old = await resolved_incident(desk, ada, "Old")
    desk.at(hours=30)
    recent = await resolved_incident(desk, ada, "Recent")
    reopened = await resolved_incident(desk, ada, "Reopened")
    desk.at(hours=49)
    await desk.client.post(f"/incidents/{reopened['id']}/reopen", json={}, headers=ada.headers)

    preview = await desk.client.post("/incidents/auto-close", json={"dry_run": True}, headers=ada.headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["incident_ids"] == [old["id"]] and preview.json()["dry_run"] is True
    assert (await desk.incident(old["id"]))["status"] == "resolved"

    desk.at(hours=49, minutes=1)
    wider = await desk.client.post(
        "/incidents/auto-close", json={"dry_run": True, "stale_hours": 10}, headers=ada.headers
    )
    assert set(wider.json()["incident_ids"]) == {old["id"], recent["id"]}

    desk.at(hours=49, minutes=2)
    run = await desk.client.post("/incidents/auto-close", json={}, headers=ada.headers)
    assert run.json()["incident_ids"] == [old["id"]] and run.json()["stale_hours"] == 48
    closed = await desk.incident(old["id"])
    assert closed["status"] == "closed" and closed["closed_at"]
    assert [e["data"]["incident"]["id"] for e in await desk.published("incident_closed")] == [old["id"]]

    runs = (await desk.client.get("/incidents/auto-close/runs", headers=ada.headers)).json()
    assert [(r["actor_name"], r["dry_run"]) for r in runs][:3] == [
        ("ada", False),
        ("ada", True),
        ("ada", True),
    ]
    assert runs[0]["actor_id"] == str(ada.id)

    for bad in ({"stale_hours": 0}, {"stale_hours": 721}, {"dry_run": "maybe"}):
        answer = await desk.client.post("/incidents/auto-close", json=bad, headers=ada.headers)
        assert answer.status_code == 422
    viewer = await desk.person("viewer", "incidents.view")
    assert (
        await desk.client.post("/incidents/auto-close", json={}, headers=viewer.headers)
    ).status_code == 403


async def test_two_sweeps_at_once_close_each_incident_once(desk: Desk) -> None:
    ada = await desk.person("ada", MANAGE)
    made = [await resolved_incident(desk, ada, f"Incident {n}") for n in range(30)]
    now = desk.at(hours=48)
    runs = await asyncio.gather(
        *(
            service.run(
                desk.app.sessions, now=now, stale_hours=48, dry_run=False, batch_size=4, audit_empty=False
            )
            for _ in range(2)
        )
    )
    closed = [incident_id for run in runs if run for incident_id in run.incident_ids]
    assert sorted(map(str, closed)) == sorted(incident["id"] for incident in made)
    assert len(await desk.published("incident_closed")) == 30
    nothing = await service.run(desk.app.sessions, now=now, stale_hours=48, dry_run=False, audit_empty=False)
    assert nothing is None
