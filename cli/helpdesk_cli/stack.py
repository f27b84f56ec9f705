"""`helpdesk up`: the whole platform on one machine, each service in its own process."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from cryptography.fernet import Fernet

from helpdesk_cli.services import all_services, env_suffix
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.embedded import EMBEDDED_RELAY_RETAIN_SECONDS, EmbeddedNats, EmbeddedPostgres, free_port
from helpdesk_common.provisioning import provision, with_credentials, with_database
from helpdesk_common.service import ServiceDefinition

DATABASE = "helpdesk"
STATE_FILE = "stack.json"


def running_stack_admin_url(var_dir: Path) -> str:
    """The admin URL of the stack `helpdesk up` runs from var_dir (its ports change per start)."""
    state = var_dir / STATE_FILE
    if not state.exists():
        raise FileNotFoundError(
            f"no running stack in {var_dir}; start it with `make run` or set HELPDESK_DATABASE_URL"
        )
    return str(json.loads(state.read_text())["admin_url"])


@dataclass
class Stack:
    var_dir: Path
    nats_url: str = ""
    admin_url: str = ""
    embedded_nats: EmbeddedNats | None = None
    relay_retain_seconds: float | None = None
    embedded_postgres: EmbeddedPostgres | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def say(self, message: str) -> None:
        print(message, flush=True)

    def start_infrastructure(self) -> None:
        self.nats_url = os.environ.get("HELPDESK_NATS_URL", "")
        if not self.nats_url:
            port = self._port("NATS", 4222)
            self.embedded_nats = EmbeddedNats(self.var_dir / "nats", port).start(
                log_file=self.var_dir / "log" / "nats.log"
            )
            self.nats_url = self.embedded_nats.url
            self.relay_retain_seconds = EMBEDDED_RELAY_RETAIN_SECONDS
            self.say(f"NATS (embedded, JetStream): {self.nats_url}  data: {self.var_dir / 'nats'}")
        database_url = os.environ.get("HELPDESK_DATABASE_URL", "")
        if database_url:
            self.admin_url = with_database(database_url, DATABASE)
        else:
            port = self._port("PostgreSQL", 5432)
            self.embedded_postgres = EmbeddedPostgres(self.var_dir / "postgres", port).start()
            self.admin_url = self.embedded_postgres.admin_url(DATABASE)
            self.say(f"PostgreSQL (embedded): 127.0.0.1:{port}  data: {self.var_dir / 'postgres'}")

    def _relay_retention(self) -> dict[str, str]:
        # Only with the embedded server, whose sync interval it matches; a setting of one's own wins.
        if self.relay_retain_seconds is None or "HELPDESK_RELAY_RETAIN_SECONDS" in os.environ:
            return {}
        return {"HELPDESK_RELAY_RETAIN_SECONDS": str(self.relay_retain_seconds)}

    def _port(self, what: str, preferred: int) -> int:
        port = free_port(preferred)
        if port != preferred:
            self.say(f"{what}: port {preferred} is busy, using {port}")
        return port

    def provision_and_migrate(self, services: dict[str, ServiceDefinition]) -> dict[str, str]:
        """Fresh role passwords on every start: nothing but the running processes ever knows them."""
        passwords = {name: secrets.token_urlsafe(24) for name in services}
        accounts = [definition.account(passwords[name]) for name, definition in services.items()]
        asyncio.run(provision(self.admin_url, DATABASE, accounts))
        for definition in services.values():
            definition.migrate(self.admin_url, as_role=True)
        return {
            name: with_credentials(self.admin_url, user=definition.database_role, password=passwords[name])
            for name, definition in services.items()
        }

    def secrets(self) -> dict[str, str]:
        path = self.var_dir / "secrets.json"
        if path.exists():
            return dict(json.loads(path.read_text()))
        private_pem, public_pem = generate_key_pair()
        values = {
            "HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY": private_pem,
            "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_pem,
            "HELPDESK_SECRET_KEY": Fernet.generate_key().decode(),
        }
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def start_services(self, services: dict[str, ServiceDefinition], database_urls: dict[str, str]) -> None:
        shared = self.secrets()
        for index, name in enumerate(services):
            preferred = 8000 if name == "gateway" else 8001 + index
            self.ports[name] = self._port(name, preferred)
        upstreams = {
            f"HELPDESK_UPSTREAM_{env_suffix(name)}": f"http://127.0.0.1:{port}"
            for name, port in self.ports.items()
            if name != "gateway"
        }
        log_dir = self.var_dir / "log"
        for name in services:
            env = {
                **os.environ,
                **upstreams,
                "HELPDESK_SERVICE_NAME": name,
                "HELPDESK_DATABASE_URL": database_urls[name],
                "HELPDESK_NATS_URL": self.nats_url,
                **self._relay_retention(),
                "HELPDESK_HTTP_PORT": str(self.ports[name]),
                "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": shared["HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY"],
                "HELPDESK_SECRET_KEY": shared["HELPDESK_SECRET_KEY"],
            }
            if name == "gateway":
                env["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"] = shared["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"]
                # The local stack speaks plain HTTP on loopback; a deployment behind TLS keeps Secure.
                env.setdefault("HELPDESK_COOKIE_SECURE", "false")
            log = open(log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "helpdesk_cli.main", "run", name],
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        waiting = dict(self.ports)
        while waiting and time.monotonic() < deadline:
            for name, port in list(waiting.items()):
                self._check_alive(name)
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1.0).status_code == 200:
                        del waiting[name]
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if waiting:
            raise TimeoutError(
                f"not ready after {timeout:.0f}s: {', '.join(waiting)} (see {self.var_dir / 'log'})"
            )

    def remember_state(self) -> None:
        state = self.var_dir / STATE_FILE
        state.write_text(
            json.dumps({"admin_url": self.admin_url, "nats_url": self.nats_url, "ports": self.ports})
        )
        state.chmod(0o600)

    def how_to_sign_in(self) -> str:
        api = f"http://127.0.0.1:{self.ports['gateway']}"
        sign_in = (
            f"Sign in:  curl -c cookies -H 'Content-Type: application/json' "
            f'-d \'{{"username": "admin", "password": "..."}}\' {api}/api/auth/login\n'
            f"API docs: {api}/docs"
        )
        if asyncio.run(_operator_count(self.admin_url)) == 0:
            return (
                "No operator exists yet. Create the first administrator (in another terminal):\n"
                "  .venv/bin/helpdesk admin create --username admin --email admin@example.com"
                f" --var {self.var_dir}\n" + sign_in
            )
        return sign_in

    def _check_alive(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is not None:
            log = self.var_dir / "log" / f"{name}.log"
            raise RuntimeError(f"{name} exited with code {process.returncode}; its log: {log}")

    def supervise(self) -> None:
        """Until Ctrl-C (or SIGTERM), or until a service dies."""
        stop = {"now": False}

        def request_stop(signum: int, frame: object) -> None:
            stop["now"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stop["now"]:
            for name in self.processes:
                self._check_alive(name)
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                self.say(f"{name} did not stop in time; killing it")
                process.kill()
        if self.embedded_nats:
            self.embedded_nats.stop()
        if self.embedded_postgres:
            self.embedded_postgres.stop()


async def _operator_count(admin_url: str) -> int:
    connection = await asyncpg.connect(admin_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM identity.operators"))
    finally:
        await connection.close()


def up(var_dir: Path) -> None:
    var_dir = var_dir.resolve()
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    stack = Stack(var_dir)
    services = all_services()
    try:
        stack.start_infrastructure()
        database_urls = stack.provision_and_migrate(services)
        stack.say("Schemas, roles and migrations: done")
        stack.start_services(services, database_urls)
        stack.wait_until_ready()
        stack.remember_state()
        for name, port in stack.ports.items():
            stack.say(f"  {name:<13} http://127.0.0.1:{port}  (log: {var_dir / 'log' / (name + '.log')})")
        stack.say(
            f"\nThe API answers at http://127.0.0.1:{stack.ports['gateway']}  (Ctrl-C stops everything)"
        )
        stack.say(stack.how_to_sign_in())
        stack.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        stack.say("Stopping...")
        (var_dir / STATE_FILE).unlink(missing_ok=True)
        stack.stop()
        stack.say("Stopped.")
