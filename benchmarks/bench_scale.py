"""Benchmark: how a run grows with the size of the API (issue 10, item 7).

For each size N it generates, into a temporary directory, a profile of an API of N
operations written only in the public profile format, and a conformant Starlette app
of the same operations (``benchmarks/_generated_api.py``), serves the app on 127.0.0.1
in a process of its own, fresh for each size (unthrottled), and runs ``conformance run
--profile-dir DIR --base-url URL`` in a subprocess with the fixture in
``CONFORMANCE_API_KEY``; then, on the same served app in the same run, Schemathesis
(``st run`` on the same ``openapi.yaml`` and base URL, the same key in
``Authorization``). It prints, per size and tool: requests (counted by the app, so
both are counted alike), wall seconds, requests and seconds per operation, requests
per second, CPU seconds (its own and its children's: the suite's drawing process), the
served app's CPU seconds while it ran ("target": on a machine of few CPUs, the tool's
and the target's CPU together bound the wall time), the peak RSS of the process and
its children (the largest of its VmHWM and of the sum of their VmRSS, read while it
runs; ``getrusage`` of the children when no read succeeded) and its exit status,
then the suite's requests per second over Schemathesis' (with ``--repeat``, the
median of each repeat's pair: the two run one after the other).

Issue 10 asks: requests and run time linear in operations; a default run of 100
operations against an unthrottled loopback target in at most 60 s; peak RSS at most
200 MB. Issue 22 asks: 300 operations in at most 20 s and 200 MB, 1,000 in at most
300 MB, and at least 3x Schemathesis' requests per second. ``--check`` makes a miss
(or a suite run that does not exit 0) exit 1; Schemathesis' exit status (it reports
what it finds) is shown, not judged.

    python benchmarks/bench_scale.py [--sizes 10,100,300] [--repeat 1] [--check]
        [--no-schemathesis] [--st-workers 1] [--st-max-examples 10]

Loopback only; every loop is bounded (sizes, repeats, a timeout per run).
"""

from __future__ import annotations

import argparse
import compileall
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
LIMIT_22_SIZE, LIMIT_22_WALL_S = 300, 20.0
LIMIT_1000_RSS_MB = 300.0
LIMIT_RATIO = 3.0


class Counted:
    """An ASGI app that counts the HTTP requests it is asked (both tools alike)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


def _serve_counted(n: int) -> None:
    """``--serve N``: serve the generated app (key in ``CONFORMANCE_API_KEY``) on
    loopback, print its base URL, and answer each ``count`` line on standard input
    with the requests it was asked since the last one; stop at end of input."""
    app = Counted(create_app(n, api_key=os.environ["CONFORMANCE_API_KEY"]))
    with serve(app) as base:
        print(base, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                taken, app.requests = app.requests, 0
                print(taken, flush=True)


class Served:
    """The generated app served by a process of its own, fresh for each size: no
    size's server holds what an earlier size's runs created, and the server's
    interpreter is not the one polling the runs' memory. (It did not explain a slow
    300-operation run, which turned out to be the machine: see the stop note.)"""

    def __init__(self, n: int, env: dict[str, str]) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self._proc.stdout is not None
        self.base = self._proc.stdout.readline().strip()
        if not self.base.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"the generated app did not start ({self.base!r})")

    def cpu_s(self) -> float:
        """CPU seconds the serving process has used so far (0 where unreadable): the
        target's share of a run, beside the tool's own."""
        try:
            with open(f"/proc/{self._proc.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return 0.0
        # utime and stime, fields 14 and 15 of proc(5), in clock ticks.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def taken(self) -> int:
        """Requests the app was asked since the last call."""
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.write("count\n")
        self._proc.stdin.flush()
        return int(self._proc.stdout.readline())

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=30)


def _schemathesis() -> list[str]:
    """The ``st`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("st")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "schemathesis.cli"]


def _conformance() -> list[str]:
    """The ``conformance`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("conformance")
    if script.is_file():
        return [str(script)]
    return [
        sys.executable,
        "-c",
        "from errcontract.cli import console; console()",
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


def _tree_rss_kb(pid: int) -> int:
    """The resident set of ``pid`` and its descendants now, in KiB: the suite's
    drawing process is part of what a run costs."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next(
                    (int(x.split()[1]) for x in status if x.startswith("VmRSS:")), 0
                )
            with open(
                f"/proc/{current}/task/{current}/children", encoding="ascii"
            ) as children:
                todo += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measured(
    command: list[str], env: dict[str, str], root: Path, name: str, timeout_s: float
) -> dict[str, Any]:
    """Run ``command`` (bounded by ``timeout_s``), polling its peak RSS."""
    out_path, err_path = root / f"{name}.stdout", root / f"{name}.stderr"
    peak_kb = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=root)
        deadline = started + timeout_s + 30
        killed = False
        while proc.poll() is None:
            peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid) or 0, _tree_rss_kb(proc.pid))
            if time.perf_counter() > deadline:
                proc.kill()
                killed = True
                proc.wait(timeout=30)
                break
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
    # ru_maxrss of the children only if no read succeeded (it is the largest child
    # so far, not necessarily this one).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_kb = after.ru_maxrss
    return {
        "wall_s": wall,
        # CPU seconds of the process (user + system): steadier than wall time on a
        # machine others share.
        "cpu_s": (after.ru_utime + after.ru_stime)
        - (before.ru_utime + before.ru_stime),
        "peak_rss_mb": (peak_kb or children_kb) / 1024,
        "exit": "killed" if killed else proc.returncode,
        "stdout": out_path,
        "stderr": err_path,
    }


def _row(
    tool: str, n: int, clauses: int, requests: int, run: dict[str, Any]
) -> dict[str, Any]:
    wall = run["wall_s"]
    return {
        "tool": tool,
        "operations": n,
        "clauses": clauses,
        "requests": requests,
        "wall_s": wall,
        "requests_per_op": requests / n,
        "s_per_op": wall / n,
        "rps": requests / wall if wall else 0.0,
        "cpu_s": run["cpu_s"],
        "target_cpu_s": run.get("target_cpu_s", 0.0),
        "peak_rss_mb": run["peak_rss_mb"],
        "exit": run["exit"],
    }


def suite_run(
    n: int, workdir: Path, timeout_s: float, st: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One ``conformance run`` against the generated API of ``n`` operations, and
    (unless ``st`` is ``None``) one ``st run`` against the same served app."""
    root = workdir / f"n{n}-{time.monotonic_ns()}"
    profile_dir = root / API
    size = write_profile(profile_dir, n)
    report_dir = root / "report"
    key = "gen_" + secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["CONFORMANCE_API_KEY"] = key
    rows = []
    served = Served(n, env)
    base = served.base
    try:
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
        before = served.cpu_s()
        run = measured(command, env, root, "suite", timeout_s)
        counted = served.taken()
        run["target_cpu_s"] = served.cpu_s() - before
        if st is not None:
            before = served.cpu_s()
            st_run = measured(
                [
                    *_schemathesis(),
                    "run",
                    str(profile_dir / "openapi.yaml"),
                    "--url",
                    base,
                    "-H",
                    f"Authorization: Bearer {key}",
                    "--workers",
                    str(st["workers"]),
                    "--max-examples",
                    str(st["max_examples"]),
                    "--generation-database",
                    "none",
                    "--no-color",
                ],
                {k: v for k, v in env.items() if k != "CONFORMANCE_API_KEY"},
                root,
                "schemathesis",
                timeout_s,
            )
            st_run["target_cpu_s"] = served.cpu_s() - before
            st_row = _row("schemathesis", n, 0, served.taken(), st_run)
    finally:
        served.close()
    results_path = report_dir / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    statuses: dict[str, int] = {}
    for clause in results.get("clauses", []):
        statuses[clause["status"]] = statuses.get(clause["status"], 0) + 1
    row = _row("suite", n, size["clauses"], int(results.get("requests", 0)), run)
    row["served"] = counted
    row["suite_duration_s"] = results.get("duration_s")
    row["statuses"] = statuses
    if row["exit"] != 0:
        row["not_passing"] = [
            f"{c['id']}: {c['status']} {c.get('reason') or ''}".strip()
            for c in results.get("clauses", [])
            if c["status"] not in ("pass",)
        ]
        row["stderr_tail"] = run["stderr"].read_text(errors="replace")[-2000:]
        row["stdout_tail"] = run["stdout"].read_text(errors="replace")[-3000:]
    rows.append(row)
    if st is not None:
        rows.append(st_row)
    return rows


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
        f"{'tool':>12} {'operations':>10} {'clauses':>7} {'requests':>8} "
        f"{'wall s':>8} {'cpu s':>7} {'target':>7} {'req/op':>7} {'s/op':>6} "
        f"{'req/s':>6} {'peak RSS MB':>11} {'exit':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(
            f"{r['tool']:>12} {r['operations']:>10} {r['clauses']:>7} "
            f"{r['requests']:>8} {r['wall_s']:>8.1f} {r['cpu_s']:>7.1f} "
            f"{r['target_cpu_s']:>7.1f} "
            f"{r['requests_per_op']:>7.1f} "
            f"{r['s_per_op']:>6.3f} {r['rps']:>6.0f} {r['peak_rss_mb']:>11.1f} "
            f"{r['exit']!s:>6}"
        )
    return "\n".join(lines)


def _ratio(suite: dict[str, Any], st: dict[str, Any] | None) -> float | None:
    """The suite's requests per second over Schemathesis' (same size, same run)."""
    if st is None or not st["rps"]:
        return None
    return float(suite["rps"] / st["rps"])


def _paired(runs: list[Any]) -> list[float]:
    """Each repeat's ratio of the suite to Schemathesis, run one after the other on
    the same served app: on a machine whose speed drifts, a pair close in time is
    the fair comparison, and their median the figure (``--repeat``)."""
    return [r for r in (_ratio(run[0], run[1]) for run in runs if len(run) > 1) if r]


def _verdicts(
    rows: list[dict[str, Any]], ratios: dict[int, list[float]]
) -> list[tuple[str, bool]]:
    out = []
    for r in rows:
        n = r["operations"]
        out.append((f"N={n}: exit 0 (got {r['exit']})", r["exit"] == 0))
        limit = LIMIT_1000_RSS_MB if n >= 1000 else LIMIT_RSS_MB
        out.append(
            (
                f"N={n}: peak RSS {r['peak_rss_mb']:.0f} MB <= {limit:.0f} MB",
                r["peak_rss_mb"] <= limit,
            )
        )
        for size, wall in (
            (LIMIT_SIZE, LIMIT_WALL_S),
            (LIMIT_22_SIZE, LIMIT_22_WALL_S),
        ):
            if n == size:
                out.append(
                    (
                        f"N={n}: wall {r['wall_s']:.1f} s <= {wall:.0f} s",
                        r["wall_s"] <= wall,
                    )
                )
        if ratios.get(n):
            ratio = statistics.median(ratios[n])
            out.append(
                (
                    f"N={n}: requests/s {ratio:.2f}x Schemathesis' >= {LIMIT_RATIO:g}x",
                    ratio >= LIMIT_RATIO,
                )
            )
    return out


def _compiled() -> None:
    """The suite's modules compiled to bytecode, as ``pip install`` leaves them (and
    Schemathesis' are): an editable install under ``PYTHONDONTWRITEBYTECODE`` would
    compile every module again in each run, a tenth of a second or two."""
    import errcontract

    compileall.compile_dir(os.path.dirname(errcontract.__file__), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,300")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0, help="per run, seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 on a miss")
    parser.add_argument(
        "--no-schemathesis", action="store_true", help="run the suite alone"
    )
    parser.add_argument("--st-workers", type=int, default=1, help="st run --workers")
    parser.add_argument(
        "--st-max-examples", type=int, default=10, help="st run --max-examples"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--keep",
        type=Path,
        help="write profiles and reports under this directory and keep them",
    )
    args = parser.parse_args()
    if args.serve is not None:
        _serve_counted(max(1, min(args.serve, MAX_SIZE)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or any(not 1 <= n <= MAX_SIZE for n in sizes):
        parser.error(f"--sizes takes operation counts from 1 to {MAX_SIZE}")
    repeat = max(1, min(args.repeat, MAX_REPEAT))
    st = None
    if not args.no_schemathesis:
        st = {
            "workers": max(1, min(args.st_workers, 64)),
            "max_examples": max(1, min(args.st_max_examples, 1000)),
        }
    _compiled()
    every: list[dict[str, Any]] = []
    rows, st_rows = [], {}
    ratios: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        workdir = args.keep or Path(tmp)
        for n in sizes:
            runs = [suite_run(n, workdir, args.timeout, st) for _ in range(repeat)]
            every += [row for run in runs for row in run]
            row = _median_run([run[0] for run in runs])
            rows.append(row)
            if st is not None:
                # Schemathesis' run beside the suite's median one (the same served app).
                st_rows[n] = next(run[1] for run in runs if run[0] is row)
                ratios[n] = _paired(runs)
            print(f"N={n}: done ({row['wall_s']:.1f} s)", file=sys.stderr)
    print(json.dumps(every, indent=2, default=str), file=sys.stderr)
    print(
        _table(
            [
                r
                for n_row in rows
                for r in (n_row, st_rows.get(n_row["operations"]))
                if r
            ]
        )
    )
    for n, paired in ratios.items():
        each = ", ".join(f"{r:.2f}x" for r in paired)
        print(
            f"N={n}: suite/Schemathesis requests/s {statistics.median(paired):.2f}x"
            + (f" (median of the repeats' pairs: {each})" if len(paired) > 1 else "")
        )
    if len(rows) >= 2:
        xs = [float(r["operations"]) for r in rows]
        a, b, r2 = _fit(xs, [float(r["requests"]) for r in rows])
        print(f"requests ~ {a:.0f} + {b:.1f} x operations (r^2 {r2:.4f})")
        a, b, r2 = _fit(xs, [r["wall_s"] for r in rows])
        print(f"wall s   ~ {a:.1f} + {b:.3f} x operations (r^2 {r2:.4f})")
    verdicts = _verdicts(rows, ratios)
    for text, ok in verdicts:
        print(f"{'ok  ' if ok else 'MISS'} {text}")
    return 1 if args.check and not all(ok for _, ok in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
