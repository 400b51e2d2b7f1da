"""A profile of the embedded Projects API, made as a user makes one (``init``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from errcontract.cli import main
from errcontract.reference import problem


def projects_profile(target: Path, api: str | None = None) -> None:
    """``conformance init`` of the Projects API's document (RFC 9457) into
    ``target``, served by its embedded reference server; named ``api`` if given."""
    code = main(
        [
            "init",
            str(target),
            "--openapi",
            str(problem.OPENAPI),
            "--convention",
            "rfc9457",
        ]
    )
    assert code == 0
    meta = yaml.safe_load((target / "profile.yaml").read_text(encoding="utf-8"))
    if api is not None:
        meta["api"] = api
    meta["reference_app"] = "errcontract.reference.problem"
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
