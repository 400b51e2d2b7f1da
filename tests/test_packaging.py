"""One import namespace: the repository's folders install as the package
``errcontract`` and nothing else (no generic top-level ``strategies`` or ``reports``),
with every module and data file the suite reads."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = CONFIG["tool"]["setuptools"]


def _module_folders() -> set[str]:
    """Every package the source folders hold, named as installed."""
    found = set()
    for name, folder in SETUPTOOLS["package-dir"].items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            relative = init.parent.relative_to(base).parts
            found.add(".".join((name, *relative)))
    return found


def test_the_package_list_names_every_folder_of_modules() -> None:
    listed = set(SETUPTOOLS["packages"])
    data_only = {"errcontract._schemas"}
    assert _module_folders() == listed - data_only


def test_the_wheel_is_one_namespace_with_its_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, ROOT],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {
        n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")
    }
    assert tops == {"errcontract"}, tops
    for needed in (
        "errcontract/py.typed",
        "errcontract/cli_pytest.ini",
        "errcontract/reports/templates/report.html.j2",
        "errcontract/reference/problem/openapi.yaml",
        "errcontract/reference/microsoft/openapi.yaml",
        "errcontract/_schemas/conventions/microsoft/error.schema.json",
        "errcontract/_schemas/meta/oas/openapi-3.1.json",
        "errcontract/_schemas/conventions/rfc9457/convention.yaml",
        "errcontract/_schemas/cardda/openapi.yaml",
        "errcontract/_schemas/common/leak-patterns.json",
        "errcontract/strategies/_internal/generation.py",
    ):
        assert needed in names, needed
    # Installed alone, the generic names are not importable.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site,
         wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import errcontract.cli\n"
        "for name in ('strategies', 'reports', 'conformance'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except ModuleNotFoundError:\n"
        "        continue\n"
        "    raise SystemExit(f'{name} is importable')\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(site)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_public_names_are_all_there_and_nothing_private_is_public() -> None:
    import errcontract

    where = errcontract._WHERE
    assert where, "the package names no public API"
    assert set(errcontract.__all__) == {"__version__", *where}
    for name in errcontract.__all__:
        assert getattr(errcontract, name) is not None, name
    # A public name is defined in a module one may read; the private modules
    # (``_``-prefixed, or under a ``_``-prefixed subpackage) are where most live.
    private = [
        m for m in where.values() if any(p.startswith("_") for p in m.split("."))
    ]
    assert private, "no private module behind the public names"


def test_importing_the_package_loads_none_of_the_engine() -> None:
    """The pytest plugin imports ``errcontract`` in every pytest session of the
    environment: importing the package must not pull the engine or its libraries."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, errcontract; "
            "print(','.join(m for m in sys.modules if m.startswith(('errcontract.', "
            "'schemathesis', 'hypothesis', 'jinja2'))))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "", done.stdout


def test_the_modules_keep_to_their_size() -> None:
    """A module a newcomer can read in one sitting: under about 400 lines."""
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines())
        for folder in ("conformance", "strategies", "reports")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert sizes, "no module found"
    big = {path: n for path, n in sizes.items() if n > 420}
    assert not big, big
