"""Where the test servers come from: the environment's URLs, else testcontainers when a Docker
engine answers, else the embedded wheels. Whatever cannot start fails the run."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from helpdesk_common.embedded import EmbeddedNats, EmbeddedPostgres, free_port


@dataclass(frozen=True)
class TestServers:
    __test__ = False

    nats_url: str
    admin_url: str
    origin: str


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def test_servers(work_dir: Path) -> Iterator[TestServers]:
    nats_url = os.environ.get("HELPDESK_TEST_NATS_URL", "")
    admin_url = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
    with contextlib.ExitStack() as stack:
        origin = "environment"
        if not (nats_url and admin_url) and docker_engine_answers():
            origin = "testcontainers"
            nats_url = nats_url or stack.enter_context(_nats_container())
            admin_url = admin_url or stack.enter_context(_postgres_container())
        if not nats_url:
            origin = "embedded"
            nats = EmbeddedNats(work_dir / "nats", free_port()).start(log_file=work_dir / "nats.log")
            stack.callback(nats.stop)
            nats_url = nats.url
        if not admin_url:
            origin = "embedded"
            postgres = EmbeddedPostgres(work_dir / "postgres", free_port(), durable=False).start()
            stack.callback(postgres.stop)
            admin_url = postgres.admin_url()
        yield TestServers(nats_url=nats_url, admin_url=admin_url, origin=origin)


@contextlib.contextmanager
def _nats_container() -> Iterator[str]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    with DockerContainer("nats:2.10").with_command("-js").with_exposed_ports(4222) as container:
        wait_for_logs(container, "Server is ready")
        yield f"nats://{container.get_container_host_ip()}:{container.get_exposed_port(4222)}"


@contextlib.contextmanager
def _postgres_container() -> Iterator[str]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver=None) as container:
        yield container.get_connection_url()
