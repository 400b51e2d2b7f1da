"""Soak: ``--depth thorough`` with several seeds against the conforming reference
servers and every tolerance switch must give zero failures.

A gate that cries wolf in its deeper mode cannot gate: this runs, per seed and per
target, the conforming server once and then each tolerance switch alone, each in a
subprocess with a time limit, and prints one line per run. The targets: ``profiles``
(``--api all``, so every switch goes to the profiles that know it) and ``rfc9457``
(the zero-config run of the convention against its embedded Projects API), ``google``
(the same for AIP-193, against the embedded Shelves API), ``microsoft`` (the same
against the embedded Gadgets API), ``document`` (the error contract the Projects
API's own document declares, against that server and its switches) and ``jsonapi``
(JSON:API 1.1, against the embedded Articles API). Loopback only (the embedded
servers); every run bounded.

    python benchmarks/soak_thorough.py [--seeds 1,2,3] [--rate-limit 200]
    python benchmarks/soak_thorough.py --together   # all switches in one run per seed
    python benchmarks/soak_thorough.py --targets rfc9457,microsoft

Exit status 1 when any run failed a clause, did not finish, or was cut short by its
request cap or time budget (a clause "stopped early"), else 0.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from errcontract._contract.conventions import load_convention
from errcontract.reference import cardclan, cardda, problem

RUN_TIMEOUT_S = 600.0
MAX_REQUESTS = "3000"
"""The request cap per run: a thorough run of the Projects API sends about 1,700
requests, and the raised --rate-limit these runs give makes the rate-limit burst up
to three waves of (limit + 2), 606 at 200/s, past the default cap of 2,000 on a busy
machine; a run stopped by its cap never sends the probes judged last (5XX-1's)."""

TARGETS: dict[str, tuple[str, ...]] = {
    "profiles": ("--api", "all"),
    "rfc9457": ("--convention", "rfc9457"),
    "google": ("--convention", "google"),
    "document": ("--convention", "document"),
    "microsoft": ("--convention", "microsoft"),
    "jsonapi": ("--convention", "jsonapi"),
}
"""What each target runs: both shipped profiles, or a zero-config convention."""


def parse_targets(parser: argparse.ArgumentParser, text: str) -> list[str]:
    """The targets a comma-separated ``--targets`` names; an unknown one is the
    parser's usage error."""
    targets = [t.strip() for t in text.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        parser.error(
            f"--targets: unknown {', '.join(unknown)} (of {', '.join(TARGETS)})"
        )
    return targets


def tolerances(target: str) -> list[str]:
    """Every tolerance switch of the target's embedded reference servers (a
    convention's: the module its ``reference_app`` names)."""
    if target == "rfc9457":
        return sorted(problem.TOLERANCES)
    if TARGETS[target][0] == "--convention":
        app = load_convention(TARGETS[target][1]).reference_app
        return sorted(importlib.import_module(str(app)).TOLERANCES)
    return sorted(set(cardda.TOLERANCES) | set(cardclan.TOLERANCES))


def one_run(
    target: str,
    seed: str,
    switches: list[str],
    rate_limit: str,
    *,
    faults: Sequence[str] = (),
    depth: str = "thorough",
    target_args: Sequence[str] | None = None,
    timeout: float = RUN_TIMEOUT_S,
    max_requests: str = MAX_REQUESTS,
) -> dict[str, object]:
    """One run of the target (thorough unless told; ``target_args`` in place of
    ``TARGETS[target]``, ``faults`` switched on with the tolerances): its exit
    status, failing clauses and figures (benchmarks/fault_matrix.py reuses it)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            sys.executable,
            "-m",
            "errcontract.cli",
            "run",
            *(TARGETS[target] if target_args is None else target_args),
            "--depth",
            depth,
            "--seed",
            seed,
            "--rate-limit",
            rate_limit,
            "--max-rps",
            "100000",
            "--max-requests",
            max_requests,
            "--report-dir",
            tmp,
        ]
        for name in switches:
            args += ["--tolerance", name]
        for name in faults:
            args += ["--fault", name]
        started = time.perf_counter()
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {
                "code": None,
                "failing": ["(timed out)"],
                "requests": 0,
                "wall": timeout,
                "stopped": [],
                "statuses": {},
                "reasons": {},
            }
        wall = time.perf_counter() - started
        path = Path(tmp) / "results.json"
        results = json.loads(path.read_text()) if path.is_file() else {"apis": []}
    # A run of several APIs lists them under `apis`; a run of one is that API.
    apis = results.get("apis", [results] if "clauses" in results else [])
    failing = [c["id"] for api in apis for c in api["clauses"] if c["status"] == "fail"]
    # A clause the request cap or time budget cut short judged less than its probes
    # (one that sends probes of its own may still pass on the others' answers).
    stopped = [
        c["id"]
        for api in apis
        for c in api["clauses"]
        if str(c.get("reason") or "").startswith("stopped early")
    ]
    requests = sum(int(api.get("requests", 0)) for api in apis)
    if proc.returncode not in (0, 1) and not failing:
        failing = [f"(exit {proc.returncode}: {proc.stderr.strip()[-200:]})"]
    return {
        "code": proc.returncode,
        "failing": failing,
        "requests": requests,
        "wall": wall,
        "stopped": stopped,
        "statuses": {c["id"]: c["status"] for api in apis for c in api["clauses"]},
        "reasons": {
            c["id"]: str(c.get("reason") or "") for api in apis for c in api["clauses"]
        },
    }


def main() -> int:
    """Run the soak and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--rate-limit", default="200")
    parser.add_argument(
        "--together", action="store_true", help="all switches in one run per seed"
    )
    parser.add_argument(
        "--targets",
        default="profiles,rfc9457,google,document",
        help=f"of {', '.join(TARGETS)}",
    )
    args = parser.parse_args()
    targets = parse_targets(parser, args.targets)
    header = ("target", "seed", "switches", "exit", "requests", "wall s")
    print("{:<8} {:>4}  {:<28} {:>4} {:>8} {:>7}  failing".format(*header))
    bad = 0
    total_requests, total_wall = 0, 0.0
    for target in targets:
        names = tolerances(target)
        plans: list[list[str]] = [
            [],
            *([names] if args.together else [[t] for t in names]),
        ]
        for seed in args.seeds.split(","):
            for switches in plans:
                run = one_run(target, seed.strip(), switches, args.rate_limit)
                label = ",".join(switches) or "(conforming)"
                if len(label) > 28:
                    label = label[:25] + "..."
                failing, stopped = run["failing"], run["stopped"]
                assert isinstance(failing, list)
                assert isinstance(stopped, list)
                if stopped:  # cut short: not the evidence a soak gives
                    failing = [*failing, f"(stopped early: {' '.join(stopped)})"]
                bad += bool(failing) or run["code"] != 0
                total_requests += int(str(run["requests"]))
                total_wall += float(str(run["wall"]))
                print(
                    f"{target:<8} {seed:>4}  {label:<28} {run['code']!s:>4} "
                    f"{run['requests']!s:>8} {float(str(run['wall'])):7.1f}  "
                    f"{' '.join(failing) or '-'}",
                    flush=True,
                )
    print(
        f"\n{bad} run(s) with a failure; {total_requests} requests in "
        f"{total_wall:.0f} s of runs"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
