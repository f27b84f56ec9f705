"""What the gateway's proxy costs: a trivial authenticated endpoint called directly and through the gateway.

`python -m bench.gateway`: the service, the gateway and the load generator (wrk) each run as a process
of their own on this machine; the same load is applied to both paths, one after the other.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Request

from gateway.identity.principal import Principal
from gateway.proxy import GatewayProxy
from helpdesk_common.auth import (
    INTERNAL_TOKEN_HEADER,
    Operator,
    generate_key_pair,
    mint_internal_token,
    require,
)
from helpdesk_common.config import HelpdeskSettings
from helpdesk_common.embedded import free_port, wait_for_port
from helpdesk_common.errors import Unauthenticated
from helpdesk_common.http.app import create_app
from helpdesk_common.telemetry import configure_tracing

RESULTS = Path(__file__).parent / "results"
WRK_INSTALL = "apt-get update && apt-get install -y wrk"
TARGET_ADDED_P50_MS = 1.0
TARGET_THROUGHPUT_SHARE = 0.70
NOISY_SHARE = 0.10
_API_TOKEN_ENV = "HELPDESK_BENCH_API_TOKEN"
_OPERATOR = Operator(
    id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
    username="bench",
    flags=frozenset({"tickets_enabled"}),
)
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


# ---- the two servers (each started by this module in a process of its own) -------------------------


def downstream_app() -> FastAPI:
    """A service endpoint as every service has them: internal token verified, one flag required."""
    app = create_app(title="bench downstream", settings=HelpdeskSettings(), readiness_checks={})

    @app.get("/ping")
    async def ping(operator: Annotated[Operator, Depends(require("tickets_enabled"))]) -> dict[str, str]:
        return {"pong": operator.username}

    return app


def gateway_app(downstream_url: str, *, token_reuse_seconds: float) -> FastAPI:
    settings = HelpdeskSettings()
    expected = f"Bearer {os.environ[_API_TOKEN_ENV]}".encode()
    principal = Principal(operator=_OPERATOR, method="api_token")

    # A STAND-IN for the identity module, the cheapest check there is: one constant-time comparison
    # with a fixed token and a fixed operator. Real sign-in (API-token lookup) adds its own cost.
    async def authenticate(request: Request) -> Principal:
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            raise Unauthenticated("Unknown bench token.")
        return principal

    proxy = GatewayProxy(
        authenticate,
        upstreams={"ticketing": downstream_url},
        private_key_pem=settings.internal_token_private_key,
        token_ttl_seconds=settings.internal_token_ttl_seconds,
        token_reuse_seconds=token_reuse_seconds,
    )
    app = create_app(title="bench gateway", settings=settings, readiness_checks={})
    app.include_router(proxy.router)
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
    # CPU time each process spent per request (ms), from /proc: where the time goes.
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


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine (all cores) since boot."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split()[1:9]]
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(
    path: str, url: str, headers: dict[str, str], load: Load, script: Path, processes: dict[str, int]
) -> Measurement:
    wrk(url, headers, load, script, load.warmup_seconds)
    before = {name: process_cpu_seconds(pid) for name, pid in processes.items()}
    machine_before, wrk_before, started = machine_busy_seconds(), children_cpu_seconds(), time.monotonic()
    report = wrk(url, headers, load, script, load.seconds)
    elapsed = time.monotonic() - started
    spent = {name: process_cpu_seconds(pid) - before[name] for name, pid in processes.items()}
    spent["load generator"] = children_cpu_seconds() - wrk_before
    others = machine_busy_seconds() - machine_before - sum(spent.values())
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
        other_processes_share=round(max(others, 0.0) / (elapsed * (os.cpu_count() or 1)), 3),
    )


@contextlib.contextmanager
def server_process(role: str, port: int, env: dict[str, str], *extra: str) -> Iterator[int]:
    command = [sys.executable, "-m", "bench.gateway", "--serve", role, "--port", str(port), *extra]
    process = subprocess.Popen(command, env=env, cwd=Path(__file__).parent.parent)
    try:
        wait_for_port(port, timeout=30)
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check(url: str, headers: dict[str, str]) -> None:
    """One request each way before measuring: a benchmark of 401s would measure nothing."""
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        body = json.loads(response.read())
    if body != {"pong": _OPERATOR.username}:
        raise RuntimeError(f"{url} answered {body}")


# ---- the run ----------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    packages = ("fastapi", "starlette", "uvicorn", "aiohttp", "uvloop", "httptools")
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


def run(load: Load, *, token_reuse_seconds: float) -> dict[str, Any]:
    private_key, public_key = generate_key_pair()
    api_token = uuid.uuid4().hex
    env = {
        **os.environ,
        "HELPDESK_INTERNAL_TOKEN_PRIVATE_KEY": private_key,
        "HELPDESK_INTERNAL_TOKEN_PUBLIC_KEY": public_key,
        _API_TOKEN_ENV: api_token,
    }
    # Valid for the whole run: the direct path pays verification, never minting.
    direct_headers = {
        INTERNAL_TOKEN_HEADER: mint_internal_token(_OPERATOR, private_key_pem=private_key, ttl_seconds=3600)
    }
    gateway_headers = {"Authorization": f"Bearer {api_token}"}
    downstream_port, gateway_port = free_port(), free_port()
    downstream_url = f"http://127.0.0.1:{downstream_port}"
    gateway_extra = ("--upstream", downstream_url, "--token-reuse-seconds", str(token_reuse_seconds))
    with (
        tempfile.TemporaryDirectory() as work,
        server_process("downstream", downstream_port, env) as downstream_pid,
        server_process("gateway", gateway_port, env, *gateway_extra) as gateway_pid,
    ):
        script = Path(work) / "report.lua"
        script.write_text(_WRK_REPORT)
        direct_url = f"{downstream_url}/ping"
        proxied_url = f"http://127.0.0.1:{gateway_port}/api/tickets/ping"
        check(direct_url, direct_headers)
        check(proxied_url, gateway_headers)
        processes = {"service": downstream_pid, "gateway": gateway_pid}
        unloaded = Load(connections=1, threads=1, seconds=min(load.seconds, 5), warmup_seconds=1)
        measurements = [
            measure("direct", direct_url, direct_headers, load, script, processes),
            measure("through gateway", proxied_url, gateway_headers, load, script, processes),
            measure("direct", direct_url, direct_headers, unloaded, script, processes),
            measure("through gateway", proxied_url, gateway_headers, unloaded, script, processes),
        ]
    return {"measurements": [asdict(m) for m in measurements], "verdict": verdict(measurements)}


def verdict(measurements: list[Measurement]) -> dict[str, Any]:
    loaded_direct, loaded_gateway, idle_direct, idle_gateway = measurements
    share = loaded_gateway.requests_per_second / loaded_direct.requests_per_second
    added_loaded = loaded_gateway.p50_ms - loaded_direct.p50_ms
    added_idle = idle_gateway.p50_ms - idle_direct.p50_ms
    return {
        "throughput_share": round(share, 3),
        "throughput_pass": share >= TARGET_THROUGHPUT_SHARE,
        "added_p50_ms_under_load": round(added_loaded, 3),
        "added_p50_under_load_pass": added_loaded < TARGET_ADDED_P50_MS,
        "added_p50_ms_one_connection": round(added_idle, 3),
        "added_p50_one_connection_pass": added_idle < TARGET_ADDED_P50_MS,
        "errors": sum(m.errors for m in measurements),
    }


def report(load: Load, result: dict[str, Any]) -> str:
    rows = [
        f"{'path':<16} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'errors':>6}"
        "   cpu ms/request: service gateway wrk   other processes"
    ]
    for m in result["measurements"]:
        cpu = m["cpu_ms_per_request"]
        rows.append(
            f"{m['path']:<16} {m['connections']:>5} {m['requests_per_second']:>7.0f} {m['p50_ms']:>7.2f} "
            f"{m['p90_ms']:>7.2f} {m['p99_ms']:>7.2f} {m['errors']:>6}   "
            f"{cpu['service']:>22.3f} {cpu['gateway']:>7.3f} {cpu['load generator']:>5.3f}"
            f"   {m['other_processes_share']:>6.0%} of the machine"
        )
    v = result["verdict"]

    def mark(passed: bool) -> str:
        return "PASS" if passed else "FAIL"

    rows += [
        "",
        f"{mark(v['throughput_pass'])}  throughput through the gateway: {v['throughput_share']:.0%} of "
        f"direct at {load.connections} connections (target >= {TARGET_THROUGHPUT_SHARE:.0%})",
        f"{mark(v['added_p50_under_load_pass'])}  added p50 at {load.connections} connections: "
        f"{v['added_p50_ms_under_load']:.3f} ms (target < {TARGET_ADDED_P50_MS} ms)",
        f"{mark(v['added_p50_one_connection_pass'])}  added p50 at 1 connection (no queueing): "
        f"{v['added_p50_ms_one_connection']:.3f} ms (target < {TARGET_ADDED_P50_MS} ms)",
        "",
        "The gateway authenticates with a STAND-IN (one constant-time comparison, fixed operator);",
        "real sign-in (an API-token or session lookup) will add its own cost to every proxied request.",
    ]
    if any(m["other_processes_share"] > NOISY_SHARE for m in result["measurements"]):
        rows.append(
            f"WARNING: other processes used more than {NOISY_SHARE:.0%} of the machine during a measurement; "
            "these numbers are not comparable with a quiet run."
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup-seconds", type=int, default=3)
    parser.add_argument("--token-reuse-seconds", type=float, default=5.0)
    parser.add_argument("--serve", choices=["downstream", "gateway"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "downstream":
        serve(downstream_app(), args.port)
        return
    if args.serve == "gateway":
        serve(gateway_app(args.upstream, token_reuse_seconds=args.token_reuse_seconds), args.port)
        return
    if shutil.which("wrk") is None:
        sys.exit(f"The load generator wrk is missing; install it with: {WRK_INSTALL}")
    load = Load(args.connections, args.threads, args.seconds, args.warmup_seconds)
    machine_before = machine()
    result = run(load, token_reuse_seconds=args.token_reuse_seconds)
    finished = datetime.now(UTC)
    document = {
        "benchmark": "gateway",
        "finished_at": finished.isoformat(),
        "load": asdict(load),
        "token_reuse_seconds": args.token_reuse_seconds,
        "authentication": "stand-in: constant-time comparison with a fixed bench token",
        "machine": machine_before,
        **result,
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"gateway-{finished.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(report(load, result))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
