"""Files and settings the suite reads from its user, when they are broken.

Issue 16 (High and Low): a profile, overrides or schema file that is not UTF-8, a
``*.schema.json`` that is not JSON, were tracebacks in ``run`` and ``check-profile``;
``conformance init --rate-limit nan`` wrote ``.nan`` and a failed init left partial
files; errors named the temporary derived copy instead of the user's overrides file;
the Schemathesis hooks took ``skip = "PD-HDR-3"`` and ``skip = ["PD-NOPE"]`` and
failed per operation after every request was sent. Each attempt is the real command
(or ``st``, or pytest with Schemathesis' plugin) in a child process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import _documents as docs
import pytest
from _child import VERDICT_BOUNDS, clean_env, run
from _docserver import DocServer

from errcontract._contract.profile import schemas_root
from errcontract.reference import cardclan, problem

ST = Path(sys.executable).with_name("st")
FIXTURES = {
    "CONFORMANCE_API_KEY": "s3cr3T+Key/Zz9==",
    "CONFORMANCE_WORKSPACE_ID": "w-1",
    "CONFORMANCE_CARD_ID": "c-1",
}


@pytest.fixture
def target() -> Iterator[DocServer]:
    """A base URL that logs every request: a refused configuration sends none."""
    with DocServer("127.0.0.1") as server:
        yield server


# -- profile files ----------------------------------------------------------------


def _profile_copy(tmp_path: Path) -> Path:
    """The shipped cardclan profile and ../common, under another api name."""
    root = tmp_path / "profiles"
    shutil.copytree(schemas_root() / "cardclan", root / "cardclan")
    shutil.copytree(schemas_root() / "common", root / "common")
    meta = root / "cardclan" / "profile.yaml"
    text = meta.read_text(encoding="utf-8").replace("api: cardclan", "api: clanish")
    meta.write_text(text, encoding="utf-8")
    return root


def _not_utf8(path: Path) -> None:
    path.write_bytes(b"# caf\xe9\n" + path.read_bytes())


CORRUPTIONS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "profile.yaml not UTF-8": ("cardclan/profile.yaml", _not_utf8),
    "clauses.yaml not UTF-8": ("cardclan/clauses.yaml", _not_utf8),
    "openapi.yaml not UTF-8": ("cardclan/openapi.yaml", _not_utf8),
    "error.schema.json not UTF-8": ("cardclan/error.schema.json", _not_utf8),
    "error.schema.json cut short": (
        "cardclan/error.schema.json",
        lambda p: p.write_text('{"$defs": {"x": ', encoding="utf-8"),
    ),
    "error.schema.json is YAML": (
        "cardclan/error.schema.json",
        lambda p: p.write_text("type: object\n", encoding="utf-8"),
    ),
    "common leak patterns not JSON": (
        "common/leak-patterns.json",
        lambda p: p.write_text("[not json", encoding="utf-8"),
    ),
    "profile.yaml an alias bomb": (
        "cardclan/profile.yaml",
        lambda p: p.write_bytes(docs.alias_bomb()),
    ),
    "clauses.yaml 100,000 levels": (
        "cardclan/clauses.yaml",
        lambda p: p.write_bytes(docs.deep_flow_yaml()),
    ),
}


def _corrupted(tmp_path: Path, name: str) -> tuple[Path, str]:
    root = _profile_copy(tmp_path)
    relative, corrupt = CORRUPTIONS[name]
    corrupt(root / relative)
    return root, Path(relative).name


class Counting:
    """An ASGI app that counts the HTTP requests it passes on."""

    def __init__(self, app: Any) -> None:
        self.app, self.state, self.requests = app, app.state, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_broken_profile_file_is_one_line_in_run(
    name: str, tmp_path: Path, served: Callable[..., tuple[str, Any]]
) -> None:
    """Against the CardClan reference app (a target that answers): exit 2 in one
    line naming the file, before any request; never a run that fails inside."""
    root, file_name = _corrupted(tmp_path, name)
    app = Counting(cardclan.create_app(faults=(), tolerances=(), rate_limit=None))
    base, _ = served(app)
    fixtures = app.state.fixtures
    outcome = run(
        [
            *("run", "--profile-dir", str(root), "--api", "clanish"),
            *("--base-url", base, "--examples", "1", "--max-rps", "1000"),
        ],
        cwd=tmp_path,
        env={f"CONFORMANCE_{k.upper()}": v for k, v in fixtures.items()},
    )
    problems = outcome.problems(secrets=[fixtures["api_key"]], **VERDICT_BOUNDS)
    problems += outcome.refusal_problems(file_name)
    if app.requests:
        problems.append(f"{app.requests} request(s) reached the target")
    problems += [line for line in outcome.out.splitlines() if "internal error" in line]
    assert not problems, "\n".join(problems) + outcome.tail()


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_broken_profile_file_is_one_line_in_check_profile(
    name: str, tmp_path: Path
) -> None:
    root, file_name = _corrupted(tmp_path, name)
    outcome = run(["check-profile", str(root / "cardclan")], cwd=tmp_path)
    problems = outcome.problems()
    if outcome.code != 2:
        problems.append(f"exit {outcome.code}, expected 2")
    lines = [*outcome.out.splitlines(), *outcome.stderr_lines]
    lines = [line for line in lines if line.strip()]
    if len(lines) != 1:
        problems.append(f"not one line: {lines[:5]!r}")
    elif file_name not in lines[0]:
        problems.append(f"the line does not name {file_name}: {lines[0]!r}")
    assert not problems, "\n".join(problems) + outcome.tail()


# -- the overrides file -----------------------------------------------------------


OVERRIDES = {
    "not UTF-8": b"skip: [PD-HDR-3]  # caf\xe9\n",
    "an unknown clause": b"skip: [PD-NOPE]\n",
    "a kind the catalog refuses": b"clauses:\n  PD-AUTH-1: {kind: nonsense}\n",
    "an unknown check": b"clauses:\n  PD-AUTH-1: {check: no_such_check}\n",
    "an alias bomb": docs.alias_bomb(),
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_a_broken_overrides_file_is_named_as_the_user_gave_it(
    name: str, tmp_path: Path, target: DocServer
) -> None:
    """Low: the line names the user's overrides file, never the temporary
    derived copy (conformance-derived-…)."""
    overrides = tmp_path / "my-overrides.yaml"
    overrides.write_bytes(OVERRIDES[name])
    outcome = run(
        [
            *("run", "--openapi", str(problem.OPENAPI), "--convention", "rfc9457"),
            *("--base-url", target.base, "--overrides", str(overrides)),
        ],
        cwd=tmp_path,
        env=FIXTURES,
    )
    problems = outcome.problems(secrets=[FIXTURES["CONFORMANCE_API_KEY"]])
    problems += outcome.refusal_problems("my-overrides.yaml")
    if "conformance-derived-" in outcome.err:
        problems.append("the error names the temporary derived copy")
    if target.requests:
        problems.append(f"{len(target.requests)} request(s) reached the target")
    assert not problems, "\n".join(problems) + outcome.tail()


# -- conformance init -------------------------------------------------------------


INIT_REFUSALS = {
    "--rate-limit nan": ("--rate-limit", "nan"),
    "--rate-limit inf": ("--rate-limit", "inf"),
    "--rate-limit -1": ("--rate-limit", "-1"),
    "--timeout nan": ("--timeout", "nan"),
    "--max-document-bytes -1": ("--max-document-bytes", "-1"),
    "--overrides a kind the catalog refuses": ("--overrides", "overrides.yaml"),
    "--openapi Swagger 2.0": ("--openapi", "swagger.yaml"),
    "--openapi missing": ("--openapi", "missing.yaml"),
}


@pytest.mark.parametrize("name", sorted(INIT_REFUSALS))
@pytest.mark.parametrize("directory", ["absent", "empty"])
def test_a_failed_init_leaves_no_file(
    name: str, directory: str, tmp_path: Path
) -> None:
    """High/Low: exit 2 in one line, and the directory is not created (or stays
    empty): no ``.nan`` rate limit written, no partial profile."""
    (tmp_path / "overrides.yaml").write_bytes(OVERRIDES["a kind the catalog refuses"])
    (tmp_path / "swagger.yaml").write_bytes(docs.swagger2())
    out = tmp_path / "out"
    if directory == "empty":
        out.mkdir()
    flag, value = INIT_REFUSALS[name]
    argv = ["init", str(out), "--convention", "rfc9457"]
    if flag != "--openapi":
        argv += ["--openapi", str(problem.OPENAPI)]
    outcome = run([*argv, flag, value], cwd=tmp_path)
    problems = outcome.problems() + outcome.refusal_problems()
    left = (
        sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else []
    )
    if left:
        problems.append(f"files left behind: {left[:5]}")
    if directory == "absent" and out.exists():
        problems.append("the directory was created")
    assert not problems, "\n".join(problems) + outcome.tail()


# -- Schemathesis hooks -----------------------------------------------------------


def _toml(settings: str, extra: str = "") -> str:
    return (
        textwrap.dedent(
            """\
        hooks = "errcontract.schemathesis"

        [checks]
        enabled = false

        [checks.ErrorContract]
        enabled = true
        """
        )
        + textwrap.dedent(settings)
        + extra
    )


HOOK_SETTINGS = {
    "skip an unknown id": ('convention = "rfc9457"\nskip = ["PD-NOPE"]\n', "PD-NOPE"),
    "skip a string": ('convention = "rfc9457"\nskip = "PD-HDR-3"\n', "list"),
    "skip a number": ('convention = "rfc9457"\nskip = [3]\n', "skip"),
    "skip an unknown id (api)": ('api = "cardda"\nskip = ["CD-NOPE"]\n', "CD-NOPE"),
    "clock_skew nan": ('convention = "rfc9457"\nclock_skew = nan\n', "clock_skew"),
    "clock_skew inf": ('convention = "rfc9457"\nclock_skew = inf\n', "clock_skew"),
    "clock_skew -1": ('convention = "rfc9457"\nclock_skew = -1\n', "clock_skew"),
}


def _hook_problems(out: str, word: str, sent: int) -> list[str]:
    problems = []
    if "Traceback" in out:
        problems.append("a traceback in the output")
    # pytest's short summary repeats a collection error's first line: not a second
    # refusal.
    said = [
        line
        for line in out.splitlines()
        if "[checks.ErrorContract]" in line and not line.startswith("ERROR ")
    ]
    if len(said) != 1:
        problems.append(f"the refusal is said {len(said)} times, not once")
    elif word not in said[0]:
        problems.append(f"the refusal does not name {word!r}: {said[0]!r}")
    if sent:
        problems.append(f"{sent} request(s) reached the target before the refusal")
    return problems


@pytest.mark.parametrize("name", sorted(HOOK_SETTINGS))
def test_a_wrong_hook_setting_is_refused_before_any_request(
    name: str, tmp_path: Path, target: DocServer
) -> None:
    settings, word = HOOK_SETTINGS[name]
    (tmp_path / "schemathesis.toml").write_text(_toml(settings), encoding="utf-8")
    done = subprocess.run(
        [
            *(str(ST), "run", str(problem.OPENAPI), "--url", target.base),
            *("--max-examples", "3", "--phases", "examples,coverage"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        env=clean_env(),
    )
    out = done.stdout + done.stderr
    problems = _hook_problems(out, word, len(target.requests))
    if done.returncode == 0:
        problems.append("st run passed")
    assert not problems, "\n".join(problems) + "\n" + out[-3000:]


PYTEST_MODULE = """
import os

import schemathesis

import errcontract.schemathesis  # noqa: F401  (registers ErrorContract)

schema = schemathesis.openapi.from_path(os.environ["EC_DOCUMENT"])


@schema.parametrize()
def test_api(case):
    case.call_and_validate(base_url=os.environ["EC_BASE"])
"""


@pytest.mark.parametrize("name", ["skip a string", "skip an unknown id"])
def test_a_wrong_hook_setting_in_the_pytest_integration(
    name: str, tmp_path: Path, target: DocServer
) -> None:
    """Through Schemathesis' pytest plugin the check is built when the first
    response is checked: the refusal must still be one clear message, with no
    traceback (and, ideally, before any request)."""
    settings, word = HOOK_SETTINGS[name]
    config = _toml(settings, "\n[generation]\nmax-examples = 3\n")
    (tmp_path / "schemathesis.toml").write_text(config, encoding="utf-8")
    (tmp_path / "test_api.py").write_text(PYTEST_MODULE, encoding="utf-8")
    env = clean_env({"EC_DOCUMENT": str(problem.OPENAPI), "EC_BASE": target.base})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p",
         "no:cacheprovider", "-p", "no:xdist", "test_api.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        env=env,
    )  # fmt: skip
    out = done.stdout + done.stderr
    problems = _hook_problems(out, word, len(target.requests))
    if done.returncode == 0:
        problems.append("the pytest run passed")
    shown = out if len(out) < 3000 else f"{out[:1500]}\n[…]\n{out[-1500:]}"
    assert not problems, "\n".join(problems) + "\n" + shown
    assert os.environ.get("EC_BASE") is None
