"""Benchmark: a full conformance run against an embedded server, next to a bare loop.

Measures wall time and requests per second of ``conformance run`` against the embedded
reference server with its rate limit raised (so pacing does not dominate), and a bare
httpx loop of valid requests against the same kind of server, for scale. Loopback only;
every loop is bounded.

    python benchmarks/bench_run.py [--api cardda] [--rate-limit 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from conformance.cli import main as conformance_main
from conformance.embedded import create_reference_app
from conformance.profile import load_profile
from conformance.reference._serve import serve

BARE_REQUESTS = 500
BARE_TIME_LIMIT_S = 60.0


def suite_run(api: str, rate_limit: str, max_rps: str) -> dict[str, Any]:
    """One full ``conformance run`` against the embedded server; its own figures."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        code = conformance_main(
            [
                "run",
                "--api",
                api,
                "--rate-limit",
                rate_limit,
                "--max-rps",
                max_rps,
                "--report-dir",
                tmp,
            ]
        )
        wall = time.perf_counter() - started
        results = json.loads((Path(tmp) / "results.json").read_text())
    return {
        "exit": code,
        "wall_s": wall,
        "requests": results["requests"],
        "rps": results["requests"] / wall,
    }


def bare_loop(api: str) -> dict[str, Any]:
    """Valid requests in a plain httpx loop against an unlimited reference server."""
    profile = load_profile(api)
    app = create_reference_app(profile, rate_limit=None, rate_limit_given=True)
    op = profile.operations[profile.meta["preflight"]]
    headers = {"Authorization": f"Bearer {app.state.fixtures['api_key']}"}
    tenant = profile.tenant
    if tenant and op.needs_header(tenant["header"]):
        headers[tenant["header"]] = app.state.fixtures[tenant["fixture"]]
    with serve(app) as base, httpx.Client() as client:
        url = base + getattr(app.state, "base_path", "") + op.path
        started = time.perf_counter()
        sent = 0
        deadline = started + BARE_TIME_LIMIT_S
        while sent < BARE_REQUESTS and time.perf_counter() < deadline:
            client.request(op.method, url, headers=headers).raise_for_status()
            sent += 1
        wall = time.perf_counter() - started
    return {"requests": sent, "wall_s": wall, "rps": sent / wall}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default="cardda")
    parser.add_argument("--rate-limit", default="200")
    parser.add_argument("--max-rps", default="10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(max(1, min(args.repeat, 10))):
        runs.append(suite_run(args.api, args.rate_limit, args.max_rps))
    bare = bare_loop(args.api)
    walls = [r["wall_s"] for r in runs]
    summary = {
        "api": args.api,
        "rate_limit": args.rate_limit,
        "suite_runs": runs,
        "suite_wall_s_median": statistics.median(walls),
        "suite_requests_median": statistics.median(r["requests"] for r in runs),
        "suite_rps_median": statistics.median(r["rps"] for r in runs),
        "bare_httpx": bare,
    }
    print(json.dumps(summary, indent=2), file=sys.stderr)
    print(
        f"suite ({args.api}, limit {args.rate_limit}/s): "
        f"{summary['suite_wall_s_median']:.2f} s wall, "
        f"{summary['suite_requests_median']:.0f} requests, "
        f"{summary['suite_rps_median']:.0f} req/s (median of {len(runs)}); "
        f"bare httpx loop: {bare['rps']:.0f} req/s over {bare['requests']} requests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
