"""Fixtures shared by the cross-service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platform.otlp_receiver import OtlpReceiver


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    """A real OTLP/HTTP receiver on loopback collecting the spans services export."""
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
