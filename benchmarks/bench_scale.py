"""Benchmark: how a run grows with the size of the API (issue 10, item 7).

For each size N it generates, into a temporary directory, a profile of an API of N
operations written only in the public profile format, and a conformant Starlette app
of the same operations (``benchmarks/_generated_api.py``), serves the app on 127.0.0.1
in this process (unthrottled), and runs ``conformance run --profile-dir DIR --base-url
URL`` in a subprocess with the fixture in ``CONFORMANCE_API_KEY``. It prints, per size:
operations, clauses, requests, wall seconds, requests and seconds per operation, the
peak RSS of the suite process (VmHWM, read while it runs) and its exit status.

Issue 10 asks: requests and run time linear in operations; a default run of 100
operations against an unthrottled loopback target in at most 60 s; peak RSS at most
200 MB. ``--check`` makes a miss (or a run that does not exit 0) exit 1.

    python benchmarks/bench_scale.py [--sizes 10,100,300] [--repeat 1] [--check]

Loopback only; every loop is bounded (sizes, repeats, a timeout per run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _generated_api import API, create_app, write_profile

from errcontract.reference._serve import serve

MAX_SIZE = 2000
MAX_REPEAT = 10
POLL_S = 0.05
LIMIT_SIZE = 100
LIMIT_WALL_S = 60.0
LIMIT_RSS_MB = 200.0


def _conformance() -> list[str]:
    """The ``conformance`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("conformance")
    if script.is_file():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "import sys; from conformance.cli import main; sys.exit(main())",
    ]


def _vm_hwm_kb(pid: int) -> int | None:
    """The peak resident set of process ``pid`` so far, in KiB (``None`` if gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def suite_run(n: int, workdir: Path, timeout_s: float) -> dict[str, Any]:
    """One ``conformance run`` against the generated API of ``n`` operations."""
    root = workdir / f"n{n}-{time.monotonic_ns()}"
    profile_dir = root / API
    size = write_profile(profile_dir, n)
    report_dir = root / "report"
    key = "gen_" + secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["CONFORMANCE_API_KEY"] = key
    app = create_app(n, api_key=key)
    with serve(app) as base:
        command = [
            *_conformance(),
            "run",
            "--profile-dir",
            str(profile_dir),
            "--base-url",
            base,
            "--rate-limit",
            "none",
            "--max-rps",
            "100000",
            "--max-requests",
            "10000000",
            "--max-duration",
            str(int(timeout_s)),
            "--report-dir",
            str(report_dir),
        ]
        out_path, err_path = root / "stdout.txt", root / "stderr.txt"
        peak_kb = 0
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=root)
            deadline = started + timeout_s + 30
            killed = False
            while proc.poll() is None:
                peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid) or 0)
                if time.perf_counter() > deadline:
                    proc.kill()
                    killed = True
                    proc.wait(timeout=30)
                    break
                time.sleep(POLL_S)
            wall = time.perf_counter() - started
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results_path = report_dir / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    statuses: dict[str, int] = {}
    for clause in results.get("clauses", []):
        statuses[clause["status"]] = statuses.get(clause["status"], 0) + 1
    requests = int(results.get("requests", 0))
    run = {
        "operations": n,
        "clauses": size["clauses"],
        "requests": requests,
        "wall_s": wall,
        "suite_duration_s": results.get("duration_s"),
        "requests_per_op": requests / n,
        "s_per_op": wall / n,
        "rps": requests / wall if wall else 0.0,
        # VmHWM read while it ran; ru_maxrss of the children only if no read
        # succeeded (it is the largest child so far, not necessarily this one).
        "peak_rss_mb": (peak_kb or children_kb) / 1024,
        "exit": "killed" if killed else proc.returncode,
        "statuses": statuses,
    }
    if run["exit"] != 0:
        bad = [
            f"{c['id']}: {c['status']} {c.get('reason') or ''}".strip()
            for c in results.get("clauses", [])
            if c["status"] not in ("pass",)
        ]
        run["not_passing"] = bad
        run["stderr_tail"] = err_path.read_text(errors="replace")[-2000:]
        run["stdout_tail"] = out_path.read_text(errors="replace")[-3000:]
    return run


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (its own figures, not a mix)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b x: (a, b, r squared)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - my) ** 2 for y in ys)
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    r2 = (sxy * sxy) / (sxx * syy) if sxx and syy else 1.0
    return a, b, r2


def _table(rows: list[dict[str, Any]]) -> str:
    header = (
        f"{'operations':>10} {'clauses':>7} {'requests':>8} {'wall s':>8} "
        f"{'req/op':>7} {'s/op':>6} {'req/s':>6} {'peak RSS MB':>11} {'exit':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['operations']:>10} {r['clauses']:>7} {r['requests']:>8} "
            f"{r['wall_s']:>8.1f} {r['requests_per_op']:>7.1f} {r['s_per_op']:>6.3f} "
            f"{r['rps']:>6.0f} {r['peak_rss_mb']:>11.1f} {r['exit']!s:>6}"
        )
    return "\n".join(lines)


def _verdicts(rows: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    out = []
    for r in rows:
        out.append((f"N={r['operations']}: exit 0 (got {r['exit']})", r["exit"] == 0))
        out.append(
            (
                f"N={r['operations']}: peak RSS {r['peak_rss_mb']:.0f} MB <= "
                f"{LIMIT_RSS_MB:.0f} MB",
                r["peak_rss_mb"] <= LIMIT_RSS_MB,
            )
        )
        if r["operations"] == LIMIT_SIZE:
            out.append(
                (
                    f"N={LIMIT_SIZE}: wall {r['wall_s']:.1f} s <= {LIMIT_WALL_S:.0f} s",
                    r["wall_s"] <= LIMIT_WALL_S,
                )
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,300")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="per run, seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 on a miss")
    parser.add_argument(
        "--keep",
        type=Path,
        help="write profiles and reports under this directory and keep them",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or any(not 1 <= n <= MAX_SIZE for n in sizes):
        parser.error(f"--sizes takes operation counts from 1 to {MAX_SIZE}")
    repeat = max(1, min(args.repeat, MAX_REPEAT))
    every: list[dict[str, Any]] = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = args.keep or Path(tmp)
        for n in sizes:
            runs = [suite_run(n, workdir, args.timeout) for _ in range(repeat)]
            every += runs
            rows.append(_median_run(runs))
            print(f"N={n}: done ({rows[-1]['wall_s']:.1f} s)", file=sys.stderr)
    print(json.dumps(every, indent=2), file=sys.stderr)
    print(_table(rows))
    if len(rows) >= 2:
        xs = [float(r["operations"]) for r in rows]
        a, b, r2 = _fit(xs, [float(r["requests"]) for r in rows])
        print(f"requests ~ {a:.0f} + {b:.1f} x operations (r^2 {r2:.4f})")
        a, b, r2 = _fit(xs, [r["wall_s"] for r in rows])
        print(f"wall s   ~ {a:.1f} + {b:.3f} x operations (r^2 {r2:.4f})")
    verdicts = _verdicts(rows)
    for text, ok in verdicts:
        print(f"{'ok  ' if ok else 'MISS'} {text}")
    return 1 if args.check and not all(ok for _, ok in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
