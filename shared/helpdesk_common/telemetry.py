"""OpenTelemetry: traces across HTTP and NATS; exported over OTLP only when an endpoint is set."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False


def configure_tracing(service_name: str, otlp_endpoint: str) -> None:
    """Spans are recorded, carried across HTTP and NATS and exported only when an OTLP endpoint is
    configured (see tracing_enabled)."""
    global _configured
    if _configured or not otlp_endpoint:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    endpoint = otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


def tracing_enabled() -> bool:
    """Whether a real tracer provider is installed (configure_tracing, or a test's own). Off, no trace
    is made or carried: OpenTelemetry's instrumentation costs its full price even when it records
    nothing (`make bench-tickets`, `make bench-backbone`)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def shutdown_tracing() -> None:
    """Flush spans still queued for export; called when a process stops."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
