"""The commands over a profile without a run: ``init`` (derive one from an OpenAPI
document), ``check-profile`` (lint one) and ``serve`` (a reference server alone)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from errcontract.cli_results import EXIT_OK, EXIT_USAGE


def _rate_arg(raw: str | None) -> float | None:
    """``--rate-limit`` of ``serve``: a number, or none/off/absent."""
    from errcontract._config.parsers import parse_number

    if raw is None or raw.lower() in {"none", "off"}:
        return None
    return parse_number(raw, "rate-limit", 0.0, "--rate-limit")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from errcontract._config.embedded import convention_app, create_reference_app
    from errcontract._contract.profile import load_profile
    from errcontract.exceptions import ConfigError, ProfileError

    try:
        if args.convention:
            title, app = convention_app(
                args.convention, args.fault, args.tolerance, _rate_arg(args.rate_limit)
            )
        else:
            extra = tuple(Path(d) for d in args.profile_dir)
            profile = load_profile(args.api, extra)
            title = profile.title
            app = create_reference_app(
                profile,
                faults=args.fault,
                tolerances=args.tolerance,
                rate_limit=_rate_arg(args.rate_limit),
                rate_limit_given=args.rate_limit is not None,
            )
    except (ProfileError, ConfigError, ValueError) as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    base = f"http://{args.host}:{args.port}{getattr(app.state, 'base_path', '')}"
    print(f"{title} reference server at {base}")
    print("Throwaway fixtures of this server (not real credentials):")
    for name, value in app.state.fixtures.items():
        print(f"  export CONFORMANCE_{name.upper()}={value}")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def check_profile(args: argparse.Namespace) -> int:
    from errcontract._config.lint import check_profile
    from errcontract._contract.profile import profiles_in

    bad = 0
    for raw in args.directories:
        root = Path(raw)
        found = profiles_in(root) if root.is_dir() else []
        if not found:
            print(
                f"conformance: error: {raw!r} holds no profile.yaml, nor folders "
                "with one",
                file=sys.stderr,
            )
            bad += 1
            continue
        for directory in found:
            problems = check_profile(directory.resolve())
            for problem in problems:
                print(problem)
            bad += len(problems)
            if not problems:
                print(f"{directory}: no problems")
    return EXIT_USAGE if bad else EXIT_OK


def init(args: argparse.Namespace) -> int:
    from errcontract._config import zero_config as zeroconfig
    from errcontract._config.front_doors import from_namespace
    from errcontract._config.options import collect
    from errcontract._derive import derive
    from errcontract.exceptions import ConfigError

    target = Path(args.directory)
    try:
        if target.exists() and not target.is_dir():
            raise ConfigError(f"{target} is a file, not a directory (from DIR)")
        if target.is_dir() and any(target.iterdir()) and not args.force:
            raise ConfigError(
                f"{target} already has files (from DIR): choose an empty directory, "
                "or add --force to overwrite the profile's files in it"
            )
        options = collect(from_namespace(args))
        derived = zeroconfig.from_options(
            options, options.value("rate_limit"), embedded_allowed=False
        )
    except ConfigError as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    assert derived is not None
    # Derived and linted in memory first: a failed init leaves no file behind.
    try:
        derive.write(derived, target)
    except OSError as exc:
        print(f"conformance: error: cannot write {target}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {target}/: {len(derived.clauses)} clauses of {derived.api}")
    for note in derived.notes:
        print(f"  note: {note}")
    print(
        f"run it: conformance run --profile-dir {target} --base-url URL "
        "(the credential in CONFORMANCE_API_KEY)"
    )
    return EXIT_OK
