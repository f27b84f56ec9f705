"""What the gateway's proxy costs: a trivial authenticated endpoint called directly and through the gateway.

`python -m bench.gateway`: the service, the gateway and the load generator (wrk) each run as a process
of their own on this machine; the same load is applied to both paths, one after the other.

The gateway is the real one, run as deployed (`helpdesk run gateway`: every role, its own settings'
defaults) on a real PostgreSQL with the identity schema migrated. Its public name `tickets` points at
the bench's endpoint (HELPDESK_UPSTREAM_TICKETING). The load signs in as an operator made through the
gateway's own API, with a personal API token that operator created (`Authorization: Bearer hd_...`), so
every proxied request goes through the real Authenticator and its auth cache.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import httpx
import uvicorn
from fastapi import Depends, FastAPI

from bench.cpu import CpuMeter, Watched
from bench.servers import BenchServers, bench_servers, server_facts
from gateway.config import GatewaySettings
from gateway.identity.secrets import API_TOKEN_PREFIX
from gateway.main import service as gateway_service
from gateway.proxy import GatewayProxy
from helpdesk_cli.admin import create_administrator_account
from helpdesk_common.auth import (
    INTERNAL_TOKEN_HEADER,
    Operator,
    generate_key_pair,
    mint_internal_token,
    require,
)
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port, wait_for_port
from helpdesk_common.http.app import create_app
from helpdesk_common.provisioning import with_database
from helpdesk_common.telemetry import configure_tracing
from helpdesk_common.testing.plugin import TestDatabase

RESULTS = Path(__file__).parent / "results"
WRK_INSTALL = "apt-get update && apt-get install -y wrk"
TARGET_ADDED_P50_MS = 1.0
TARGET_THROUGHPUT_SHARE = 0.70
NOISY_SHARE = 0.10
# The gateway's own default: what a deployment that does not set HELPDESK_AUTH_CACHE_SECONDS runs with.
DEPLOYED_AUTH_CACHE_SECONDS: float = GatewaySettings.model_fields["auth_cache_seconds"].default
# Not a setting: how long the proxy reuses the internal token it minted for an operator.
INTERNAL_TOKEN_REUSE_SECONDS: float = (
    inspect.signature(GatewayProxy).parameters["token_reuse_seconds"].default
)
_SESSION_COOKIE: str = GatewaySettings.model_fields["session_cookie"].default
_GATEWAY_COMMAND = ("helpdesk_cli.main", "run", "gateway")
_OPERATOR_USERNAME = "bench"
# The one flag the endpoint requires; an operator whose token carries only that.
_OPERATOR_FLAGS = ["tickets_enabled"]
_EPILOG = """\
Servers come from HELPDESK_BENCH_DATABASE_URL (an admin URL) and HELPDESK_BENCH_NATS_URL when set, and are
embedded otherwise (PostgreSQL with fsync on, NATS with sync_interval always). The gateway reads the usual
HELPDESK_* variables of this environment, except the ones the benchmark sets (database, NATS, port, keys,
the ticketing upstream, the auth cache).
"""
# Reports the totals as one JSON line: wrk's own text output rounds the percentiles.
_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def authentication(auth_cache_seconds: float) -> str:
    return f"API token (real lookup, auth cache {auth_cache_seconds:g} s)"


# ---- the downstream service (started by this module in a process of its own) ----------------------


def downstream_app() -> FastAPI:
    """A service endpoint as every service has them: internal token verified, one flag required."""
    app = create_app(title="bench downstream", settings=HelpdeskSettings(), readiness_checks={})

    @app.get("/ping")
    async def ping(operator: Annotated[Operator, Depends(require("tickets_enabled"))]) -> dict[str, str]:
        return {"pong": operator.username}

    return app


def serve(app: FastAPI, port: int) -> None:
    """As `helpdesk run` serves an app (helpdesk_common.service), tracing included."""
    configure_tracing(app.title, "")
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        reset_contextvars=True,
    )


# ---- the gateway, its database and the operator the load signs in as -------------------------------


@contextlib.contextmanager
def server_process(role: str, port: int, env: dict[str, str], *extra: str) -> Iterator[int]:
    command = [sys.executable, "-m", "bench.gateway", "--serve", role, "--port", str(port), *extra]
    process = subprocess.Popen(command, env=env, cwd=Path(__file__).parent.parent)
    try:
        wait_for_port(port, timeout=30)
        yield process.pid
    finally:
        _stop(process)


@contextlib.contextmanager
def gateway_process(port: int, env: dict[str, str], log_path: Path) -> Iterator[int]:
    """The gateway as deployed runs it (`helpdesk run gateway`, every role), once /readyz answers 200."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *_GATEWAY_COMMAND], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process, log_path)
        yield process.pid
    finally:
        _stop(process)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        # Refused, reset, or 503 while it starts (HTTPError and URLError are OSErrors).
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"the gateway was not ready within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class SignedUp:
    # The operator as the gateway describes them in the internal token (the direct path sends the same).
    operator: Operator
    api_token: str


async def operator_with_api_token(api: str, database_url: str) -> SignedUp:
    """The first administrator as `helpdesk admin create` makes one; then, through the gateway's HTTP API,
    the administrator creates the bench operator, who signs in and creates a personal API token."""
    password = secrets.token_urlsafe(18)
    admin = f"benchadmin{secrets.token_hex(3)}"
    await create_administrator_account(database_url, admin, f"{admin}@example.com", "Bench admin", password)
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        as_admin = await _signed_in(http, admin, password)
        created = await http.post(
            "/api/operators",
            json={
                "username": _OPERATOR_USERNAME,
                "email": f"{_OPERATOR_USERNAME}@example.com",
                "display_name": "Bench",
                "password": password,
                "flags": _OPERATOR_FLAGS,
            },
            headers=as_admin,
        )
        _expect(created, 201)
        as_operator = await _signed_in(http, _OPERATOR_USERNAME, password)
        issued = await http.post("/api/auth/tokens", json={"name": "bench load"}, headers=as_operator)
        _expect(issued, 201)
    token: str = issued.json()["token"]
    if not token.startswith(API_TOKEN_PREFIX):
        raise RuntimeError(f"the gateway issued an API token without the {API_TOKEN_PREFIX!r} prefix")
    operator = created.json()
    return SignedUp(
        Operator(
            id=uuid.UUID(operator["id"]),
            username=operator["username"],
            flags=frozenset(operator["effective_flags"]),
            department_ids=frozenset(uuid.UUID(d) for d in operator["department_ids"]),
        ),
        token,
    )


async def _signed_in(http: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    """Headers for cookie-authenticated writes. The session cookie goes by hand: the gateway sets it
    Secure (its deployed default), which a client does not send back over plain HTTP."""
    response = await http.post("/api/auth/login", json={"username": username, "password": password})
    _expect(response, 200)
    return {
        "Cookie": f"{_SESSION_COOKIE}={response.cookies[_SESSION_COOKIE]}",
        "X-CSRF-Token": response.json()["csrf_token"],
    }


def _expect(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )


async def _drop(database: TestDatabase) -> None:
    connection = await asyncpg.connect(with_database(database.admin_url, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        await connection.close()


# ---- measuring --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    connections: int
    threads: int
    seconds: int
    warmup_seconds: int


@dataclass(frozen=True)
class Measurement:
    path: str
    connections: int
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    requests: int
    errors: int
    # CPU time each process (PostgreSQL with its backends) and the kernel's interrupt work spent per
    # request (ms): where the time goes.
    cpu_ms_per_request: dict[str, float]
    # The share of the machine's CPU that processes outside this benchmark used meanwhile: noise.
    other_processes_share: float


def wrk(url: str, headers: dict[str, str], load: Load, script: Path, seconds: int) -> dict[str, Any]:
    command = ["wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    report: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    return report


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    path: str, url: str, headers: dict[str, str], load: Load, script: Path, watched: dict[str, Watched]
) -> Measurement:
    wrk(url, headers, load, script, load.warmup_seconds)
    meter = CpuMeter(watched)
    wrk_before = children_cpu_seconds()
    meter.start()
    report = wrk(url, headers, load, script, load.seconds)
    usage = meter.stop()
    # wrk has exited by now, so the meter counted it as other work.
    wrk_seconds = children_cpu_seconds() - wrk_before
    spent = {**usage.seconds, "load generator": wrk_seconds, "kernel": usage.kernel_seconds}
    others = max(usage.other_seconds - wrk_seconds, 0.0)
    requests = report["requests"]
    return Measurement(
        path=path,
        connections=load.connections,
        requests_per_second=requests / (report["duration_us"] / 1e6),
        p50_ms=report["p50_us"] / 1000,
        p90_ms=report["p90_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        mean_ms=report["mean_us"] / 1000,
        requests=requests,
        errors=sum(report[key] for key in report if key.endswith("errors") or key == "timeouts"),
        cpu_ms_per_request={name: round(spent[name] * 1000 / max(requests, 1), 4) for name in spent},
        other_processes_share=round(others / (usage.wall_seconds * usage.cores), 3),
    )


def check(url: str, headers: dict[str, str], username: str) -> None:
    """One request each way before measuring: a benchmark of 401s would measure nothing."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        body = json.loads(response.read())
    if body != {"pong": username}:
        raise RuntimeError(f"{url} answered {body}")


# ---- the run ----------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    packages = ("fastapi", "starlette", "uvicorn", "aiohttp", "uvloop", "httptools", "sqlalchemy", "asyncpg")
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "load_average_before": os.getloadavg(),
        "packages": {name: metadata.version(name) for name in packages},
        "load_generator": wrk_version.strip(),
    }


def run(load: Load, *, auth_cache_seconds: float) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as temporary,
        bench_servers(Path(temporary)) as servers,
    ):
        facts = asyncio.run(server_facts(servers))
        database = TestDatabase(admin_url=servers.admin_url, name=f"bench_gateway_{uuid.uuid4().hex[:10]}")
        try:
            # Provisioned and migrated as `helpdesk migrate gateway` does: the gateway's own role and schema.
            database_url = asyncio.run(database.add_service(gateway_service))
            result = _run_paths(
                load, servers, database_url, Path(temporary), auth_cache_seconds=auth_cache_seconds
            )
        finally:
            asyncio.run(_drop(database))
    return {"servers": facts, **result}


def _run_paths(
    load: Load, servers: BenchServers, database_url: str, work: Path, *, auth_cache_seconds: float
) -> dict[str, Any]:
    private_key, public_key = generate_key_pair()
    downstream_port, gateway_port = free_port(), free_port()
    downstream_url = f"http://127.0.0.1:{downstream_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    downstream_env = {**os.environ, "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_key}
    gateway_env = {
        **downstream_env,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_NATS_URL": servers.nats_url,
        "HELPDESK_HTTP_HOST": "127.0.0.1",
        "HELPDESK_HTTP_PORT": str(gateway_port),
        "HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY": private_key,
        # The public name `tickets` belongs to the ticketing service; here the bench's endpoint stands in.
        "HELPDESK_UPSTREAM_TICKETING": downstream_url,
        "HELPDESK_AUTH_CACHE_SECONDS": str(auth_cache_seconds),
    }
    with (
        server_process("downstream", downstream_port, downstream_env) as downstream_pid,
        gateway_process(gateway_port, gateway_env, work / "gateway.log") as gateway_pid,
    ):
        signed_up = asyncio.run(operator_with_api_token(gateway_url, database_url))
        # Valid for the whole run: the direct path pays verification, never minting.
        direct_headers = {
            INTERNAL_TOKEN_HEADER: mint_internal_token(
                signed_up.operator, private_key_pem=private_key, ttl_seconds=3600
            )
        }
        gateway_headers = {"Authorization": f"Bearer {signed_up.api_token}"}
        script = work / "report.lua"
        script.write_text(_WRK_REPORT)
        direct_url = f"{downstream_url}/ping"
        proxied_url = f"{gateway_url}/api/tickets/ping"
        check(direct_url, direct_headers, signed_up.operator.username)
        check(proxied_url, gateway_headers, signed_up.operator.username)
        watched = {"service": Watched(downstream_pid), "gateway": Watched(gateway_pid), **servers.processes}
        unloaded = Load(connections=1, threads=1, seconds=min(load.seconds, 5), warmup_seconds=1)
        measurements = [
            measure("direct", direct_url, direct_headers, load, script, watched),
            measure("through gateway", proxied_url, gateway_headers, load, script, watched),
            measure("direct", direct_url, direct_headers, unloaded, script, watched),
            measure("through gateway", proxied_url, gateway_headers, unloaded, script, watched),
        ]
    return {
        "operator": {"username": signed_up.operator.username, "flags": sorted(signed_up.operator.flags)},
        "measurements": [asdict(m) for m in measurements],
        "verdict": verdict(measurements),
    }


def verdict(measurements: list[Measurement]) -> dict[str, Any]:
    loaded_direct, loaded_gateway, idle_direct, idle_gateway = measurements
    share = loaded_gateway.requests_per_second / loaded_direct.requests_per_second
    added_loaded = loaded_gateway.p50_ms - loaded_direct.p50_ms
    added_idle = idle_gateway.p50_ms - idle_direct.p50_ms
    per_connection_ms = loaded_direct.requests_per_second / 1000 / loaded_direct.connections
    return {
        "throughput_share": round(share, 3),
        "throughput_pass": share >= TARGET_THROUGHPUT_SHARE,
        "added_p50_ms_under_load": round(added_loaded, 3),
        "added_p50_under_load_pass": added_loaded < TARGET_ADDED_P50_MS,
        "added_p50_ms_one_connection": round(added_idle, 3),
        # What share of direct throughput an added p50 under the target would take at this load.
        "share_for_added_p50_target": round(1 / (1 + TARGET_ADDED_P50_MS * per_connection_ms), 3),
        "added_p50_one_connection_pass": added_idle < TARGET_ADDED_P50_MS,
        "errors": sum(m.errors for m in measurements),
    }


def report(load: Load, result: dict[str, Any], *, auth_cache_seconds: float) -> str:
    measurements = result["measurements"]
    rows = [
        f"{'path':<16} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'errors':>6}"
        "   other processes"
    ]
    for m in measurements:
        rows.append(
            f"{m['path']:<16} {m['connections']:>5} {m['requests_per_second']:>7.0f} {m['p50_ms']:>7.2f} "
            f"{m['p90_ms']:>7.2f} {m['p99_ms']:>7.2f} {m['errors']:>6}   "
            f"{m['other_processes_share']:>6.0%} of the machine"
        )
    names = list(measurements[0]["cpu_ms_per_request"])
    width = max(len(name) for name in names) + 2
    rows += ["", f"{'CPU ms per request':<24}" + "".join(f"{name:>{width}}" for name in names)]
    for m in measurements:
        cpu = m["cpu_ms_per_request"]
        label = f"{m['path']}, {m['connections']} conn."
        rows.append(f"{label:<24}" + "".join(f"{cpu[name]:>{width}.3f}" for name in names))
    v = result["verdict"]

    def mark(passed: bool) -> str:
        return "PASS" if passed else "FAIL"

    rows += [
        "",
        f"{mark(v['throughput_pass'])}  throughput through the gateway: {v['throughput_share']:.0%} of "
        f"direct at {load.connections} connections (target >= {TARGET_THROUGHPUT_SHARE:.0%})",
        f"{mark(v['added_p50_one_connection_pass'])}  added p50 at 1 connection (no queueing): "
        f"{v['added_p50_ms_one_connection']:.3f} ms (target < {TARGET_ADDED_P50_MS} ms)",
        f"INFO  added p50 at {load.connections} connections: {v['added_p50_ms_under_load']:.3f} ms. Both "
        "cores are full there, so by Little's law the added p50 is the throughput gap "
        f"({load.connections} in flight / req/s): under {TARGET_ADDED_P50_MS} ms would need about "
        f"{v['share_for_added_p50_target']:.0%} of direct throughput, which would make the 70% target "
        "moot; the gateway's own added latency is the figure without queueing.",
        "",
        f"Authentication: {authentication(auth_cache_seconds)}"
        + ("" if auth_cache_seconds == DEPLOYED_AUTH_CACHE_SECONDS else ", NOT the deployed default")
        + f"; internal token reused {INTERNAL_TOKEN_REUSE_SECONDS:g} s per operator.",
        f"Gateway: `helpdesk run gateway` (every role); operator {result['operator']['username']!r} "
        f"with flags {', '.join(result['operator']['flags'])}.",
    ]
    if v["errors"]:
        rows.append(f"WARNING: {v['errors']} requests failed; the figures above include them.")
    if any(m["other_processes_share"] > NOISY_SHARE for m in measurements):
        rows.append(
            f"WARNING: other processes used more than {NOISY_SHARE:.0%} of the machine during a measurement; "
            "these numbers are not comparable with a quiet run."
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway", description=__doc__, epilog=_EPILOG)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup-seconds", type=int, default=3)
    parser.add_argument(
        "--auth-cache-seconds",
        type=float,
        default=DEPLOYED_AUTH_CACHE_SECONDS,
        help=f"the gateway's HELPDESK_AUTH_CACHE_SECONDS (default: its deployed default, "
        f"{DEPLOYED_AUTH_CACHE_SECONDS:g}; 0 looks every request up)",
    )
    parser.add_argument("--serve", choices=["downstream"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "downstream":
        serve(downstream_app(), args.port)
        return
    if shutil.which("wrk") is None:
        sys.exit(f"The load generator wrk is missing; install it with: {WRK_INSTALL}")
    load = Load(args.connections, args.threads, args.seconds, args.warmup_seconds)
    machine_before = machine()
    result = run(load, auth_cache_seconds=args.auth_cache_seconds)
    finished = datetime.now(UTC)
    document = {
        "benchmark": "gateway",
        "finished_at": finished.isoformat(),
        "load": asdict(load),
        "authentication": authentication(args.auth_cache_seconds),
        "auth_cache_seconds": args.auth_cache_seconds,
        "auth_cache_is_deployed_default": args.auth_cache_seconds == DEPLOYED_AUTH_CACHE_SECONDS,
        "internal_token_reuse_seconds": INTERNAL_TOKEN_REUSE_SECONDS,
        "gateway": {"command": "helpdesk run gateway", "roles": "all, as deployed"},
        "machine": machine_before,
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"gateway-{finished.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(report(load, result, auth_cache_seconds=args.auth_cache_seconds))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
