"""`helpdesk up`: the whole platform on one machine, each service in its own process, kept running."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import signal
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import asyncpg
import httpx
from cryptography.fernet import Fernet

from helpdesk_cli.services import all_services, env_suffix
from helpdesk_cli.supervision import KeepsFailing, Program, Supervisor, log_tail
from helpdesk_common.auth import generate_key_pair
from helpdesk_common.embedded import EMBEDDED_RELAY_RETAIN_SECONDS, EmbeddedNats, EmbeddedPostgres, free_port
from helpdesk_common.logs import readable
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
    supervisor: Supervisor
    nats_url: str = ""
    admin_url: str = ""
    relay_retain_seconds: float | None = None
    ports: dict[str, int] = field(default_factory=dict)

    def say(self, message: str) -> None:
        self.supervisor.say(message)

    def log_file(self, name: str) -> Path:
        return self.var_dir / "log" / f"{name}.log"

    async def start_infrastructure(self) -> None:
        """The embedded NATS and PostgreSQL, together, unless their URLs are given."""
        programs: list[Program] = []
        self.nats_url = os.environ.get("HELPDESK_NATS_URL", "")
        if not self.nats_url:
            programs.append(self._embedded_nats())
        database_url = os.environ.get("HELPDESK_DATABASE_URL", "")
        if database_url:
            self.admin_url = with_database(database_url, DATABASE)
        else:
            programs.append(await self._embedded_postgres())
        await self.supervisor.start(*programs)

    def _embedded_nats(self) -> Program:
        port = self._port("NATS", 4222)
        nats = EmbeddedNats(self.var_dir / "nats", port)
        self.nats_url = nats.url
        self.relay_retain_seconds = EMBEDDED_RELAY_RETAIN_SECONDS
        self.say(f"NATS (embedded, JetStream): {self.nats_url}  data: {self.var_dir / 'nats'}")
        return Program(
            "nats",
            nats.configure(),
            self.log_file("nats"),
            partial(_port_answers, port),
            _nats_problem,
        )

    async def _embedded_postgres(self) -> Program:
        port = self._port("PostgreSQL", 5432)
        postgres = EmbeddedPostgres(self.var_dir / "postgres", port)
        command = await asyncio.to_thread(postgres.prepare)
        self.admin_url = postgres.admin_url(DATABASE)
        self.say(f"PostgreSQL (embedded): 127.0.0.1:{port}  data: {self.var_dir / 'postgres'}")
        return Program(
            "postgres",
            command,
            self.log_file("postgres"),
            partial(asyncio.to_thread, postgres.accepting),
            _postgres_problem,
            stop_signal=signal.SIGINT,
            run_as=postgres.run_as(),
        )

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

    async def provision_and_migrate(self, services: dict[str, ServiceDefinition]) -> dict[str, str]:
        """Fresh role passwords on every start: nothing but the running processes ever knows them."""
        passwords = {name: secrets.token_urlsafe(24) for name in services}
        accounts = [definition.account(passwords[name]) for name, definition in services.items()]
        await provision(self.admin_url, DATABASE, accounts)
        for definition in services.values():
            await asyncio.to_thread(definition.migrate, self.admin_url, as_role=True)
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

    async def start_services(
        self, services: dict[str, ServiceDefinition], database_urls: dict[str, str]
    ) -> None:
        """Every service in its own process, together; returns once each answers /readyz."""
        shared = self.secrets()
        for index, name in enumerate(services):
            preferred = 8000 if name == "gateway" else 8001 + index
            self.ports[name] = self._port(name, preferred)
        upstreams = {
            f"HELPDESK_UPSTREAM_{env_suffix(name)}": f"http://127.0.0.1:{port}"
            for name, port in self.ports.items()
            if name != "gateway"
        }
        programs = []
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
            # Links in notification e-mails and webhooks lead to the console as this stack serves it,
            # on whichever port the gateway got, unless the environment names a public address.
            env.setdefault("HELPDESK_CONSOLE_URL", f"http://127.0.0.1:{self.ports['gateway']}")
            if name == "gateway":
                env["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"] = shared["HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY"]
                # The local stack speaks plain HTTP on loopback; a deployment behind TLS keeps Secure.
                env.setdefault("HELPDESK_COOKIE_SECURE", "false")
            programs.append(
                Program(
                    name,
                    [sys.executable, "-m", "helpdesk_cli.main", "run", name],
                    self.log_file(name),
                    partial(_answers_ready, self.ports[name]),
                    readable,
                    environment=env,
                )
            )
        await self.supervisor.start(*programs)

    def remember_state(self) -> None:
        state = self.var_dir / STATE_FILE
        state.write_text(
            json.dumps({"admin_url": self.admin_url, "nats_url": self.nats_url, "ports": self.ports})
        )
        state.chmod(0o600)

    async def how_to_sign_in(self) -> str:
        api = f"http://127.0.0.1:{self.ports['gateway']}"
        sign_in = (
            f"Sign in:  curl -c cookies -H 'Content-Type: application/json' "
            f'-d \'{{"username": "admin", "password": "..."}}\' {api}/api/auth/login\n'
            f"API docs: {api}/docs"
        )
        if await _operator_count(self.admin_url) == 0:
            return (
                "No operator exists yet. Create the first administrator (in another terminal; without\n"
                "HELPDESK_ADMIN_PASSWORD it asks for the password):\n"
                "  HELPDESK_ADMIN_PASSWORD='a passphrase of ten characters or more' \\\n"
                "  .venv/bin/helpdesk admin create --username admin --email admin@example.com"
                f" --var {self.var_dir}\n" + sign_in
            )
        return sign_in

    async def start(self) -> None:
        """Everything in order: the servers, the schemas, the services; raises KeepsFailing."""
        services = all_services()
        await self.start_infrastructure()
        database_urls = await self.provision_and_migrate(services)
        self.say("Schemas, roles and migrations: done")
        await self.start_services(services, database_urls)
        self.remember_state()
        for name, port in self.ports.items():
            self.say(f"  {name:<13} http://127.0.0.1:{port}  (log: {self.log_file(name)})")
        gateway = f"http://127.0.0.1:{self.ports['gateway']}"
        self.say(f"\nThe API answers at {gateway}  (Ctrl-C stops everything)")
        self.say(await _console_line(gateway))
        self.say(await self.how_to_sign_in())


async def _port_answers(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def _console_line(gateway: str) -> str:
    """Where the console answers: the gateway's own address, once `make console` has built it."""
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            built = (await http.get(f"{gateway}/")).status_code == 200
    except httpx.HTTPError:
        built = False
    if built:
        return f"The console answers at {gateway}/"
    return f"The console answers at {gateway}/ once built: make console (then reload the page)"


async def _answers_ready(port: int) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


# What the terminal shows of the servers' own logs: their warnings and errors.
_NATS_PROBLEM = re.compile(r"\[(WRN|ERR|FTL)\]")
_POSTGRES_PROBLEM = re.compile(r"\b(WARNING|ERROR|FATAL|PANIC):")


def _nats_problem(line: str) -> str | None:
    return line if _NATS_PROBLEM.search(line) else None


def _postgres_problem(line: str) -> str | None:
    return line if _POSTGRES_PROBLEM.search(line) else None


async def _operator_count(admin_url: str) -> int:
    connection = await asyncpg.connect(admin_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM identity.operators"))
    finally:
        await connection.close()


def _why(error: KeepsFailing, lines: int = 20) -> str:
    """The last lines of the failing process's log, as a person reads them."""
    shown = (readable(line, least=logging.NOTSET) for line in log_tail(error.log_file))
    text = "\n".join(line for line in shown if line is not None)
    return "\n".join(f"    {line}" for line in text.splitlines()[-lines:])


def say(message: str) -> None:
    print(message, flush=True)


async def _up(var_dir: Path) -> int:
    """Until Ctrl-C or SIGTERM (0), or until a process keeps failing at start (1)."""
    stack = Stack(var_dir, Supervisor(say))
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, stop_requested.set)
    starting = asyncio.create_task(stack.start())
    # A server may keep failing while the services still start: that ends the start too.
    failed = asyncio.create_task(stack.supervisor.failure())
    stopping = asyncio.create_task(stop_requested.wait())
    waiting = {starting, failed, stopping}
    try:
        while stopping in waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        return 0
    except KeepsFailing as error:
        say(f"{error}. The end of its log ({error.log_file}):\n{_why(error)}")
        return 1
    finally:
        for task in (starting, failed, stopping):
            task.cancel()
        # Its error, if it had one, is already on its way out.
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await starting
        say("Stopping...")
        (var_dir / STATE_FILE).unlink(missing_ok=True)
        await stack.supervisor.stop()
        say("Stopped.")


def up(var_dir: Path) -> int:
    var_dir = var_dir.resolve()
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    return asyncio.run(_up(var_dir))
