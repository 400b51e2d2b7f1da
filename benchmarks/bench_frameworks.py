"""Benchmark: a zero-config run on each framework app of the tests: requests, time.

Each app of ``tests/apps/frameworks`` (Connexion, FastAPI, FastAPI with
fastapi-problem, the careful Starlette RFC 9457 API, and Prism where it is installed) is
served on 127.0.0.1 and checked with ``conformance run --openapi … --convention
rfc9457`` and its credentials (another account's and a read-only one included), the rate
limit off.
Prints, per app, the exit status, the clauses by outcome, the requests and the wall
time (median of ``--repeat`` runs). Loopback only; every run is bounded by the suite's
own budgets.

    python benchmarks/bench_frameworks.py [--repeat 3] [--apps rfc9457,connexion]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from apps.frameworks._model import Tokens  # noqa: E402
from apps.frameworks._serve import find_prism, run_prism, serve_app  # noqa: E402
from errcontract.cli import main as conformance_main  # noqa: E402

DOCUMENTS = {
    "rfc9457": ROOT / "tests/apps/frameworks/orgs_rfc9457/openapi.yaml",
    "connexion": ROOT / "tests/apps/frameworks/connexion_app/openapi.yaml",
    "fastapi": None,  # the framework's own /openapi.json
    "fastapi_problem": None,
    "prism": ROOT / "tests/apps/frameworks/connexion_app/openapi.yaml",
}


def one_run(app: str) -> dict[str, Any]:
    tokens = Tokens(
        token=f"tk-{secrets.token_hex(12)}",
        other_account_token=f"tk-{secrets.token_hex(12)}",
        read_only_token=f"tk-{secrets.token_hex(12)}",
    )
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        if app == "prism":
            prism = find_prism()
            if prism is None:
                return {"skipped": "prism not installed"}
            base = stack.enter_context(run_prism(DOCUMENTS["prism"], prism)).base_url
        else:
            base = stack.enter_context(serve_app(app, tokens))
        document = DOCUMENTS[app]
        where = str(document) if document else f"{base}/openapi.json"
        os.environ["CONFORMANCE_API_KEY"] = tokens.token
        os.environ["CONFORMANCE_OTHER_API_KEY"] = tokens.other_account_token
        os.environ["CONFORMANCE_READ_ONLY_API_KEY"] = tokens.read_only_token
        started = time.perf_counter()
        code = conformance_main(
            [
                "run",
                *("--openapi", where, "--convention", "rfc9457"),
                *("--base-url", base, "--rate-limit", "none", "--max-rps", "10000"),
                *("--report-dir", tmp),
            ]
        )
        wall = time.perf_counter() - started
        results = json.loads((Path(tmp) / "results.json").read_text())
    outcomes = Counter(c["status"] for c in results["clauses"])
    return {
        "exit": code,
        "wall_s": wall,
        "requests": results["requests"],
        "outcomes": dict(outcomes),
        "failing": sorted(c["id"] for c in results["clauses"] if c["status"] == "fail"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--apps", default=",".join(DOCUMENTS))
    args = parser.parse_args()
    rows = {}
    for app in args.apps.split(","):
        runs = [one_run(app) for _ in range(max(1, min(args.repeat, 10)))]
        if "skipped" in runs[0]:
            rows[app] = runs[0]
            continue
        rows[app] = {
            "exit": runs[-1]["exit"],
            "outcomes": runs[-1]["outcomes"],
            "failing": runs[-1]["failing"],
            "requests_median": statistics.median(r["requests"] for r in runs),
            "wall_s_median": statistics.median(r["wall_s"] for r in runs),
            "wall_s": [round(r["wall_s"], 2) for r in runs],
        }
    print(json.dumps(rows, indent=2), file=sys.stderr)
    for app, row in rows.items():
        if "skipped" in row:
            print(f"{app:<16} skipped: {row['skipped']}")
            continue
        print(
            f"{app:<16} exit {row['exit']}  {row['requests_median']:>5.0f} requests "
            f"{row['wall_s_median']:>6.2f} s  {row['outcomes']}  "
            f"failing: {', '.join(row['failing']) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
