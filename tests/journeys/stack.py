"""The gateway and the services behind it (ticketing unless told) as real processes (`helpdesk run`) on the
test servers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from helpdesk_cli.admin import create_administrator_account
from helpdesk_cli.services import all_services, env_suffix
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.embedded import free_port
from helpdesk_common.testing.infrastructure import TestServers
from helpdesk_common.testing.plugin import TestDatabase
from tests.backbone.harness import eventually

PASSWORD = "a long enough password"


@dataclass
class RunningStack:
    api: str
    database: TestDatabase
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # What each service's processes run with, for workers started later (`start_worker`).
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    log_dir: Path | None = None

    def client(self, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.api, headers=headers, timeout=15)

    async def admin(self) -> httpx.AsyncClient:
        username = f"admin{secrets.token_hex(2)}"
        await create_administrator_account(
            self.database.url, username, f"{username}@example.com", "Admin", PASSWORD
        )
        return await self.bearer(username)

    async def bearer(self, username: str, password: str = PASSWORD) -> httpx.AsyncClient:
        async with self.client() as anonymous:
            login = await anonymous.post("/api/auth/login", json={"username": username, "password": password})
            assert login.status_code == 200, login.text
            token = await anonymous.post(
                "/api/auth/tokens",
                json={"name": "test"},
                headers={"X-CSRF-Token": login.json()["csrf_token"]},
            )
            assert token.status_code == 201, token.text
        return self.client(Authorization=f"Bearer {token.json()['token']}")

    async def start_worker(self, service: str, role: str, label: str) -> subprocess.Popen[bytes]:
        """One more process of a service running one worker role (`helpdesk run SERVICE --role ROLE`),
        as an ops team scales a role on its own; returned once it answers ready."""
        port = free_port()
        env = {**self.environments[service], "HELPDESK_HTTP_PORT": str(port)}
        assert self.log_dir is not None
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk_cli.main", "run", service, "--role", role],
            env=env,
            stdout=(self.log_dir / f"{label}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes[label] = process
        await _all_ready(self, {label: port}, self.log_dir, {label: service})
        return process

    def stop_worker(self, label: str) -> None:
        process = self.processes.pop(label)
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


async def start_stack(
    servers: TestServers,
    database: TestDatabase,
    log_dir: Path,
    *,
    auth_cache_seconds: float = 0.0,
    upstreams: tuple[str, ...] = ("ticketing",),
    gateway_env: dict[str, str] | None = None,
    service_env: dict[str, str] | None = None,
    own_env: dict[str, dict[str, str]] | None = None,
    roles: dict[str, tuple[str, ...]] | None = None,
) -> RunningStack:
    """Tests see every permission change at once (no auth cache); benchmarks pass the default.
    `service_env` goes to every process, `gateway_env` to the gateway's alone, `own_env` to each named
    service's alone (its later workers too); `roles` limits a service's first process to those roles
    (its others then come from `start_worker`)."""
    services = all_services()
    private_key, public_key = generate_key_pair()
    ports = {name: free_port() for name in ("gateway", *upstreams)}
    urls = {name: await database.add_service(services[name]) for name in ports}
    stack = RunningStack(api=f"http://127.0.0.1:{ports['gateway']}", database=database, log_dir=log_dir)
    common = {
        "HELPDESK_NATS_URL": servers.nats_url,
        "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_key,
        **{f"HELPDESK_UPSTREAM_{env_suffix(name)}": f"http://127.0.0.1:{ports[name]}" for name in upstreams},
        "HELPDESK_COOKIE_SECURE": "false",
        "HELPDESK_AUTH_CACHE_SECONDS": str(auth_cache_seconds),
        "HELPDESK_LOG_JSON": "false",
        # Mailbox secrets are sealed with it (the mail gateway refuses to store them without one).
        "HELPDESK_SECRET_KEY": Fernet.generate_key().decode(),
        **(service_env or {}),
    }
    for name, port in ports.items():
        env = {**os.environ, **common, "HELPDESK_DATABASE_URL": urls[name], "HELPDESK_HTTP_PORT": str(port)}
        if name == "gateway":
            env["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"] = private_key
            env.update(gateway_env or {})
        env.update((own_env or {}).get(name, {}))
        stack.environments[name] = env
        chosen = [argument for role in (roles or {}).get(name, ()) for argument in ("--role", role)]
        stack.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "helpdesk_cli.main", "run", name, *chosen],
            env=env,
            stdout=(log_dir / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
    try:
        await _all_ready(stack, ports, log_dir)
    except BaseException:
        stack.stop()  # a stack that never came up leaves no process behind
        raise
    return stack


async def _all_ready(
    stack: RunningStack, ports: dict[str, int], log_dir: Path, services: dict[str, str] | None = None
) -> None:
    """`services`: the service behind each label (the label itself unless named)."""
    async with httpx.AsyncClient(timeout=2) as http:
        for name, port in ports.items():
            service = (services or {}).get(name, name)

            async def ready(port: int = port, service: str = service) -> bool:
                try:
                    answer = await http.get(f"http://127.0.0.1:{port}/readyz")
                except httpx.HTTPError:
                    return False
                # Another process on the port (ours failed to bind it) must not pass for ours.
                return answer.status_code == 200 and answer.json().get("service") == service

            def alive(name: str = name) -> None:
                assert stack.processes[name].poll() is None, (log_dir / f"{name}.log").read_text()[-3000:]

            # Every process imports the whole platform at once; on a machine shared with other runs
            # that alone can take minutes.
            await eventually(ready, within=240, what=f"{name} ready", check=alive)
