"""The tickets as time tracking keeps them from the ticket stream (applied by the real handlers): the
newest by the event's time, and a deleted ticket taking its entries and timers along, each booked entry
announced as deleted, for good."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpdesk_common.contracts.tickets import TicketChangeData, TicketUpdated
from timetracking.ticket_events import tickets_consumer


async def updated(desk: Any, ticket: Any, *, late_by: timedelta = timedelta(0), **fields: Any) -> None:
    """ticket_updated with these fields, sent `late_by` before now (an event handled out of order)."""
    event = TicketUpdated.build(
        source="ticketing",
        subject=str(ticket.id),
        data=TicketChangeData(ticket=ticket.model_copy(update=fields)),
    )
    event = event.model_copy(update={"time": event.time - late_by})
    await desk.apply(tickets_consumer.handlers.single[TicketUpdated], event)


async def test_the_newest_event_of_a_ticket_wins_whatever_the_order_they_are_handled_in(desk: Any) -> None:
    ticket = await desk.ticket(customer_name="ACME")
    await updated(desk, ticket, title="Printer fixed", department_id=desk.sales)
    await updated(
        desk, ticket, late_by=timedelta(hours=1), title="An older title", department_id=desk.support
    )
    rows = await desk.sql("SELECT number, title, department_id, customer_name, deleted FROM tickets")
    assert [tuple(row) for row in rows] == [(ticket.number, "Printer fixed", desk.sales, "ACME", False)]

    # Moved to Sales: a Support operator no longer sees its time.
    ada = desk.person("ada")
    answer = await desk.client.get(f"/tickets/{ticket.id}/entries", headers=ada.headers)
    assert answer.status_code == 404


async def test_a_deleted_ticket_takes_its_entries_and_timers_along_for_good(desk: Any) -> None:
    await desk.settings(enabled=True)
    ada, bob = desk.person("ada"), desk.person("bob")
    doomed, kept = await desk.ticket(), await desk.ticket()
    manual = await desk.book(ada, doomed, start="06:00", end="07:00")
    automatic = (await desk.timer(bob, doomed))["entry"]
    elsewhere = await desk.book(ada, kept, start="07:00", end="07:30")
    await desk.timer(ada, doomed)
    desk.at(minutes=5)
    await desk.timer(ada, kept)  # closes ada's timer on the doomed ticket: a second booked entry there
    closed = [
        e for e in await desk.published("time_entry_booked") if e["data"]["entry"]["origin"] == "automatic"
    ]
    assert len(closed) == 1

    await desk.delete_ticket(doomed)
    assert {str(row.id) for row in await desk.sql("SELECT id FROM entries")} == {
        elsewhere["id"],
        *(str(row.id) for row in await desk.sql("SELECT entry_id AS id FROM timers")),
    }
    assert [row.operator_id for row in await desk.sql("SELECT operator_id FROM timers")] == [ada.id]
    deleted = await desk.published("time_entry_deleted")
    assert sorted(e["subject"] for e in deleted) == sorted([manual["id"], closed[0]["subject"]]), (
        "the booked entries are announced; bob's running one was never booked"
    )
    assert automatic["id"] not in {e["subject"] for e in deleted}
    assert {
        (e["data"]["reason"], e["data"]["actor_id"], e["data"]["entry"]["work_item_number"]) for e in deleted
    } == {("ticket_deleted", None, doomed.number)}

    # A late event of the deleted ticket does not bring it back.
    await updated(desk, doomed, title="Back from the dead")
    assert [
        tuple(row)
        for row in await desk.sql("SELECT title, deleted FROM tickets WHERE id = :id", id=doomed.id)
    ] == [("Printer on fire", True)]
    answer = await desk.client.get(f"/tickets/{doomed.id}/entries", headers=ada.headers)
    assert answer.status_code == 404
