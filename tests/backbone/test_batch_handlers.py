"""Batch handlers keep the order of the stream: a run of events of one contract is one call, and an
event of another contract in between ends the run."""

from __future__ import annotations

from typing import Any

from helpdesk_common.bus import inbox
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.contracts import TicketCreated, TicketUpdated
from helpdesk_common.contracts.tickets import TicketChangeData
from tests.backbone.harness import ticket_created
from tests.backbone.probe import CONSUMER_SPEC


def _updated(number: int) -> TicketUpdated:
    created = ticket_created(number)
    return TicketUpdated.build(
        source="test", subject="ticket", data=TicketChangeData(ticket=created.data.ticket)
    )


def test_runs_of_a_batch_handled_contract_are_grouped_in_order() -> None:
    consumer = EventConsumer(CONSUMER_SPEC)

    @consumer.on_batch(TicketCreated)
    async def created(session: Any, events: list[TicketCreated]) -> None: ...

    @consumer.on(TicketUpdated)
    async def updated(session: Any, event: TicketUpdated) -> None: ...

    events = [ticket_created(1), ticket_created(2), _updated(3), _updated(4), ticket_created(5)]
    due: list[Any] = [(f"msg{i}", event) for i, event in enumerate(events)]
    groups = inbox._groups(due, consumer.handlers)
    assert [[msg for msg, _ in group] for group in groups] == [
        ["msg0", "msg1"],  # two creates: one call
        ["msg2"],  # per-event handler: one call each
        ["msg3"],
        ["msg4"],  # a create after an update starts a new run
    ]
