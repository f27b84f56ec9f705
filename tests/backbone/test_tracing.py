"""The trace of the change that wrote an event continues in the consumer that applies it."""

from __future__ import annotations

import secrets

from nats.aio.msg import Msg
from opentelemetry import context, propagate, trace
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from helpdesk_common.bus import inbox
from helpdesk_common.bus.consumer import EventConsumer
from helpdesk_common.contracts import TicketCreated, TicketUpdated
from helpdesk_common.telemetry import tracing_enabled
from tests.backbone.conftest import Backbone
from tests.backbone.harness import all_applied_once, eventually, produce, ticket_created
from tests.backbone.probe import CONSUMER_SPEC
from tests.backbone.test_batch_handlers import _updated
from tests.platform.otlp_receiver import OtlpReceiver


async def test_traceparent_travels_from_the_outbox_through_nats_to_the_consumer(
    backbone: Backbone, otlp: OtlpReceiver
) -> None:
    tracing = {"HELPDESK_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    backbone.processes.start("producer", **tracing)
    backbone.processes.start("consumer", **tracing)

    trace_id = secrets.token_hex(16)
    request_span = SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int(secrets.token_hex(8), 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    # As if inside the HTTP request that made the change: the outbox row records its traceparent.
    token = context.attach(trace.set_span_in_context(NonRecordingSpan(request_span)))
    try:
        ids = await produce(backbone.producer, 3)
    finally:
        context.detach(token)

    await eventually(lambda: all_applied_once(backbone.admin_url, ids), within=30, what="3 events applied")

    async def consumer_span_in_trace() -> bool:
        return any(
            span.service == "probe-consumer" and span.kind == Span.SPAN_KIND_CONSUMER
            for span in otlp.with_trace(trace_id)
        )

    await eventually(consumer_span_in_trace, within=15, what=f"a consumer span in trace {trace_id}")
    names = {span.name for span in otlp.with_trace(trace_id)}
    assert "probe-consumer apply ticket_created" in names


async def test_without_tracing_a_handler_runs_with_no_span_and_nothing_carried() -> None:
    """Tracing off (no OTLP endpoint): no span is made and the event's context is not made current,
    since OpenTelemetry's tracer costs its price per event even when it records nothing; with tracing
    on, the test above shows the consumer's span in the request's trace."""
    assert not tracing_enabled()
    consumer = EventConsumer(CONSUMER_SPEC)
    seen: list[dict[str, str]] = []

    async def carried_on(*_: object) -> None:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        seen.append(carrier)

    consumer.on(TicketUpdated)(carried_on)
    consumer.on_batch(TicketCreated)(carried_on)
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    message = Msg(_client=None, subject="tickets", headers={"traceparent": traceparent})  # type: ignore[arg-type]
    for event in (ticket_created(1), _updated(2)):
        await inbox._apply_group(None, [(message, event)], "probe-consumer", consumer.handlers)  # type: ignore[arg-type]
    assert seen == [{}, {}]
    assert trace.get_current_span() is trace.INVALID_SPAN
