"""Incident CSAT (seed "Incident CSAT"): only once resolved or closed, one response per actor (a second
submission updates the first), the summary cards and the report."""

from __future__ import annotations

from typing import Any

Desk = Any


async def test_csat_opens_on_resolution_keeps_one_response_per_actor_and_summarises(desk: Desk) -> None:
    ada = await desk.person("ada", "incidents.manage")
    viewer = await desk.person("viewer", "incidents.view")
    incident = (await desk.client.post("/incidents", json={"title": "VPN down"}, headers=ada.headers)).json()
    path = f"/incidents/{incident['id']}/csat"

    empty = (await desk.client.get(path, headers=viewer.headers)).json()
    assert empty == {
        "summary": {"average": None, "count": 0, "breakdown": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}},
        "responses": [],
        "open_for_responses": False,
    }
    early = await desk.client.put(path, json={"rating": 5}, headers=viewer.headers)
    assert early.status_code == 409 and "resolved or closed" in early.json()["detail"]

    await desk.client.post(
        f"/incidents/{incident['id']}/resolve", json={"resolution_code": "resolved"}, headers=ada.headers
    )
    assert (
        await desk.client.put(path, json={"rating": 2, "comment": "Slow"}, headers=viewer.headers)
    ).status_code == 200
    desk.at(minutes=5)
    await desk.client.put(path, json={"rating": 4, "comment": "Better on reflection"}, headers=viewer.headers)
    answer = (await desk.client.put(path, json={"rating": 5}, headers=ada.headers)).json()
    assert answer["summary"] == {
        "average": 4.5,
        "count": 2,
        "breakdown": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    }
    mine = [r for r in answer["responses"] if r["actor_name"] == "viewer"]
    assert [(r["rating"], r["comment"]) for r in mine] == [(4, "Better on reflection")]
    assert answer["open_for_responses"] is True

    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "five"}, {}):
        assert (await desk.client.put(path, json=bad, headers=viewer.headers)).status_code == 422
    report = (await desk.client.get("/csat/report", headers=viewer.headers)).json()
    assert report["summary"]["count"] == 2
    assert [(row["number"], row["average"], row["count"]) for row in report["incidents"]] == [
        (incident["number"], 4.5, 2)
    ]
    later = (
        await desk.client.get(
            "/csat/report", params={"since": "2026-03-11T00:00:00Z"}, headers=viewer.headers
        )
    ).json()
    assert later["summary"]["count"] == 0 and later["incidents"] == []
    nobody = await desk.person("nobody")
    assert (await desk.client.get(path, headers=nobody.headers)).status_code == 403
