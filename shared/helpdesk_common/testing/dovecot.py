"""A real Dovecot for the mail tests: Debian's `dovecot-imapd` started as a child process of the test run
with a config of its own in a temp dir, on free loopback ports (plaintext/STARTTLS and implicit TLS),
its certificate from a CA the tests trust, users from a passwd-file, and an oauth2 passdb against a
token endpoint the fixture serves on loopback, so XOAUTH2 and OAUTHBEARER are exercised for real.

Under CI=true a machine without Dovecot fails the run; elsewhere the tests that need it are skipped
with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import grp
import imaplib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import psutil
import pytest

from helpdesk_common.embedded import free_port
from helpdesk_common.testing.certificates import write_server_certificates

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"


@dataclass(frozen=True)
class MailUser:
    name: str
    password: str


@dataclass(frozen=True)
class OAuthGrant:
    """What an administrator would paste into a mailbox's OAuth2 settings."""

    token_url: str
    client_id: str
    client_secret: str
    refresh_token: str


@dataclass
class _Grant:
    username: str
    client_id: str
    client_secret: str
    revoked: bool = False


class TokenEndpoint:
    """A tiny OAuth2 authorization server on loopback: access tokens for refresh tokens at /token
    (RFC 6749 section 6, client credentials as form fields), and token introspection at /introspect
    (RFC 7662) for Dovecot's oauth2 passdb."""

    def __init__(self, *, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        # As Microsoft 365 and Google may: each refresh answers with a new refresh token and the one
        # used stops working.
        self.rotate_refresh_tokens = False
        self.grants: dict[str, _Grant] = {}
        self.access_tokens: dict[str, tuple[str, float]] = {}
        self.token_requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def grant(self, username: str) -> OAuthGrant:
        refresh_token = "rt-" + secrets.token_urlsafe(24)
        granted = _Grant(username, "client-" + secrets.token_hex(4), secrets.token_urlsafe(16))
        with self._lock:
            self.grants[refresh_token] = granted
        return OAuthGrant(self.token_url, granted.client_id, granted.client_secret, refresh_token)

    def revoke(self, refresh_token: str) -> None:
        """The refresh token stops working, and so does every access token issued for it."""
        with self._lock:
            granted = self.grants[refresh_token]
            granted.revoked = True
            for token, (username, _) in list(self.access_tokens.items()):
                if username == granted.username:
                    del self.access_tokens[token]

    def _exchange(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            self.token_requests += 1
            granted = self.grants.get(form.get("refresh_token", ""))
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            if granted is None or granted.revoked:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token has expired or was revoked.",
                }
            if (form.get("client_id"), form.get("client_secret")) != (
                granted.client_id,
                granted.client_secret,
            ):
                return 401, {"error": "invalid_client", "error_description": "Client authentication failed."}
            token = "at-" + secrets.token_urlsafe(24)
            self.access_tokens[token] = (granted.username, time.time() + self.expires_in)
            answer: dict[str, object] = {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
            }
            if self.rotate_refresh_tokens:
                rotated = "rt-" + secrets.token_urlsafe(24)
                self.grants[rotated] = _Grant(granted.username, granted.client_id, granted.client_secret)
                granted.revoked = True
                answer["refresh_token"] = rotated
            return 200, answer

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            found = self.access_tokens.get(form.get("token", ""))
        if found is None or found[1] < time.time():
            return 200, {"active": False}
        return 200, {"active": True, "username": found[0]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {
                    key: values[0]
                    for key, values in parse_qs(
                        self.rfile.read(length).decode(), keep_blank_values=True
                    ).items()
                }
                if self.path == "/token":
                    status, body = endpoint._exchange(form)
                elif self.path == "/introspect":
                    status, body = endpoint._introspect(form)
                else:
                    status, body = 404, {"error": "not_found"}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@dataclass
class DovecotServer:
    """One running Dovecot. `port` speaks plaintext and offers STARTTLS; `tls_port` is implicit TLS;
    `ca_file` verifies both (the certificate names `localhost` and 127.0.0.1)."""

    directory: Path
    tokens: TokenEndpoint
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    tls_port: int = field(default_factory=free_port)
    idle: bool = True
    _process: subprocess.Popen[bytes] | None = None

    @property
    def config_file(self) -> Path:
        return self.directory / "dovecot.conf"

    @property
    def ca_file(self) -> str:
        return str(self.directory / "ca.pem")

    @property
    def pid(self) -> int:
        """The master process (its children serve the connections)."""
        assert self._process is not None, "dovecot is not running"
        return self._process.pid

    @property
    def log_file(self) -> Path:
        return self.directory / "dovecot.log"

    def prepare(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        # Its unprivileged processes must reach their sockets and the mail.
        self.directory.chmod(0o755)
        mail_user = _mail_user()
        os.chown(self.directory / "mail", mail_user.pw_uid, mail_user.pw_gid)
        (self.directory / "passwd").touch()
        write_server_certificates(self.directory)
        self._write_config()

    def _write_config(self) -> None:
        user = getpass.getuser()
        entry = pwd.getpwnam(user)
        group = grp.getgrgid(entry.pw_gid).gr_name
        # Dovecot runs neither its login processes nor mail access as root: as root, the
        # unprivileged users Debian's package made.
        login_user = "dovenull" if entry.pw_uid == 0 else user
        mail_user = _mail_user()
        directory = self.directory
        # Dovecot's own capability list less IDLE, for the poller's interval polling path.
        capabilities = (
            ""
            if self.idle
            else "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE\n"
        )
        (directory / "oauth2.conf").write_text(
            f"introspection_mode = post\nintrospection_url = {self.tokens.introspection_url}\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        )
        self.config_file.write_text(
            f"""
instance_name = helpdesk-test-{self.port}
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {self.log_file}
protocols = imap
listen = {self.host}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
ssl = yes
ssl_cert = <{directory}/server.pem
ssl_key = <{directory}/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_uid = {mail_user.pw_uid}
mail_gid = {mail_user.pw_gid}
first_valid_uid = 0
first_valid_gid = 0
{capabilities}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {directory}/oauth2.conf
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={directory}/mail/%u
}}
"""
        )

    def start(self) -> None:
        with (self.directory / "dovecot.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.config_file)], stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start:\n{self._diagnostics()}")
            if _greets(self.host, self.port) and _accepts(self.host, self.tls_port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not listen within 20 s:\n{self._diagnostics()}")

    def stop(self) -> None:
        """The server goes away (clients see their connections drop); `start` brings it back."""
        if self._process is None:
            return
        # Its imap and login processes are the master's children; the server is down only when
        # every one of them is (existing sessions included).
        children = psutil.Process(self._process.pid).children(recursive=True)
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        _, alive = psutil.wait_procs(children, timeout=0.5)
        for child in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(alive, timeout=5)

    def restart(self, *, idle: bool | None = None) -> None:
        self.stop()
        if idle is not None:
            self.idle = idle
            self._write_config()
        self.start()

    def _diagnostics(self) -> str:
        parts = []
        for name in ("dovecot.stderr", "dovecot.log"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-4000:])
        return "\n".join(parts)

    # Users and their folders.

    def add_user(self, name: str | None = None, password: str | None = None) -> MailUser:
        user = MailUser(name or f"user{secrets.token_hex(4)}", password or secrets.token_urlsafe(12))
        with (self.directory / "passwd").open("a") as passwd:
            passwd.write(f"{user.name}:{{PLAIN}}{user.password}::::::\n")
        return user

    def maildir(self, user: MailUser, folder: str = "INBOX") -> Path:
        root = self.directory / "mail" / user.name / "Maildir"
        return root if folder == "INBOX" else root / f".{folder}"

    @contextlib.contextmanager
    def imap(self, user: MailUser) -> Iterator[imaplib.IMAP4]:
        """A plain stdlib client for setting up and checking folders (not the code under test)."""
        client = imaplib.IMAP4(self.host, self.port, timeout=30)
        try:
            client.login(user.name, user.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append_now(self, user: MailUser, raw: bytes, folder: str = "INBOX") -> int:
        """Appends one message and returns its UID."""
        with self.imap(user) as client:
            if folder != "INBOX":
                client.create(folder)
            status, data = client.append(folder, "", None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND refused: {data!r}")
            # Dovecot answers with UIDPLUS: [APPENDUID <uidvalidity> <uid>].
            return int(data[0].decode().split("APPENDUID ")[1].split()[1].rstrip("]"))

    async def append(self, user: MailUser, raw: bytes, folder: str = "INBOX") -> int:
        return await asyncio.to_thread(self.append_now, user, raw, folder)

    def append_many_now(self, user: MailUser, raws: list[bytes], folder: str = "INBOX") -> None:
        """Many messages through one session (a folder of thousands for a test or a benchmark)."""
        with self.imap(user) as client:
            for raw in raws:
                status, data = client.append(folder, "", None, raw)
                if status != "OK":
                    raise RuntimeError(f"APPEND refused: {data!r}")

    def flags_now(self, user: MailUser, folder: str = "INBOX") -> dict[int, set[str]]:
        """Every message's UID and flags (keywords included)."""
        with self.imap(user) as client:
            client.select(folder, readonly=True)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            found: dict[int, set[str]] = {}
            for item in data:
                if not item:
                    continue
                line = item.decode() if isinstance(item, bytes) else item[0].decode()
                if "UID " not in line:
                    continue  # an unsolicited response (EXISTS, RECENT) between the FETCH lines
                uid = int(line.split("UID ")[1].split()[0].rstrip(")"))
                flags = line.split("FLAGS (")[1].split(")")[0]
                found[uid] = set(flags.split())
            return found

    async def flags(self, user: MailUser, folder: str = "INBOX") -> dict[int, set[str]]:
        return await asyncio.to_thread(self.flags_now, user, folder)

    def uidvalidity_now(self, user: MailUser, folder: str = "INBOX") -> int:
        with self.imap(user) as client:
            _, data = client.status(folder, "(UIDVALIDITY)")
            return int(data[0].decode().split("UIDVALIDITY ")[1].rstrip(")"))

    def renumber(self, user: MailUser, folder: str = "INBOX") -> int:
        """Gives the folder a new UIDVALIDITY and its messages new UIDs, as a server does whose index
        was rebuilt or whose mail was migrated: Dovecot is stopped, the folder's UID list and indexes
        removed, and the server started again. Returns the new UIDVALIDITY."""
        before = self.uidvalidity_now(user, folder)
        self.stop()
        directory = self.maildir(user, folder)
        for name in os.listdir(directory):
            if name.startswith(("dovecot-uidlist", "dovecot.index")):
                (directory / name).unlink()
        # A UIDVALIDITY is a time in seconds: one in the same second as the old would be the same.
        while int(time.time()) <= before:
            time.sleep(0.1)
        self.start()
        after = self.uidvalidity_now(user, folder)
        if after == before:
            raise RuntimeError("dovecot kept the folder's UIDVALIDITY")
        return after

    def doveadm(self, *arguments: str) -> str:
        """doveadm against this server's config (e.g. `mailbox status -u USER all INBOX`)."""
        answer = subprocess.run(
            [DOVEADM, "-c", str(self.config_file), *arguments], capture_output=True, text=True, timeout=60
        )
        if answer.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(arguments)}: {answer.stderr.strip()}")
        return answer.stdout


def _mail_user() -> pwd.struct_passwd:
    entry = pwd.getpwuid(os.getuid())
    return pwd.getpwnam("dovecot") if entry.pw_uid == 0 else entry


def _accepts(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def _greets(host: str, port: int) -> bool:
    """The login process answers (the port alone is open before it can)."""
    try:
        with socket.create_connection((host, port), timeout=1) as probe:
            return probe.recv(64).startswith(b"* OK")
    except OSError:
        return False


def dovecot_missing() -> str | None:
    """Why Dovecot cannot run here, or None."""
    for binary in (DOVECOT, DOVEADM):
        if not (Path(binary).exists() and os.access(binary, os.X_OK)):
            return f"{binary} is not installed (Debian: apt-get install dovecot-imapd)"
    return None


@contextlib.contextmanager
def running_dovecot(*, idle: bool = True) -> Iterator[DovecotServer]:
    """A Dovecot in a directory of its own, removed after. Not a test's temp dir: Dovecot's
    unprivileged processes must reach it (pytest makes those 0700), and its unix sockets' paths are
    limited in length."""
    directory = Path(tempfile.mkdtemp(prefix="hd-dovecot-"))
    tokens = TokenEndpoint()
    tokens.start()
    server = DovecotServer(directory, tokens, idle=idle)
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.stop()
        tokens.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A Dovecot of the test's own (a test may stop, restart and renumber it freely)."""
    missing = dovecot_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Dovecot is required under CI: {missing}")
        pytest.skip(missing)
    with running_dovecot() as server:
        yield server


__all__ = [
    "DovecotServer",
    "MailUser",
    "OAuthGrant",
    "TokenEndpoint",
    "dovecot",
    "dovecot_missing",
    "running_dovecot",
]
