"""The webhook receiver of `make bench-webhooks`, in a process of its own: answers every request 200 at
once and keeps, per `webhook-id`, when it first arrived (CLOCK_MONOTONIC, the benchmark's clock too)
and how often it came. Nothing is verified here: a receiver's own work is not the system under test.

    python -m bench.webhook_receiver PORT

GET /stats answers {"requests": n, "first": {id: seconds}, "repeated": {id: times}}; POST /reset
forgets them.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from aiohttp import web

_first: dict[str, float] = {}
_seen: Counter[str] = Counter()


async def _received(request: web.Request) -> web.Response:
    await request.read()
    webhook_id = request.headers.get("webhook-id", "")
    _seen[webhook_id] += 1
    if webhook_id not in _first:
        _first[webhook_id] = time.clock_gettime(time.CLOCK_MONOTONIC)
    return web.Response(text="ok")


async def _stats(request: web.Request) -> web.Response:
    repeated = {webhook_id: times for webhook_id, times in _seen.items() if times > 1}
    return web.json_response({"requests": sum(_seen.values()), "first": _first, "repeated": repeated})


async def _reset(request: web.Request) -> web.Response:
    _first.clear()
    _seen.clear()
    return web.Response(text="reset")


def app() -> web.Application:
    application = web.Application()
    application.router.add_get("/stats", _stats)
    application.router.add_post("/reset", _reset)
    application.router.add_route("*", "/hook", _received)
    return application


if __name__ == "__main__":
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
