"""One table of options: the CLI parser, the pytest options and ini twins, the
environment variables and the README are all built from (or checked against) it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from errcontract._config.front_doors import (
    add_cli_options,
    from_namespace,
    markdown_table,
)
from errcontract._config.options import OPTIONS, collect
from errcontract.cli import _parser
from errcontract.exceptions import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_cli_options(parser)
    return parser


def test_the_table_is_not_empty_and_names_are_unique() -> None:
    names = [o.name for o in OPTIONS]
    assert len(names) >= 19
    assert len(set(names)) == len(names)
    assert len({o.ini_key for o in OPTIONS}) == len(OPTIONS)


def test_the_conformance_run_parser_has_exactly_the_table_s_flags() -> None:
    sub = next(
        a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    run = sub.choices["run"]
    flags = {s for a in run._actions for s in a.option_strings}
    table = {o.cli_flag for o in OPTIONS} | {
        o.aliased.cli_flag for o in OPTIONS if o.aliased is not None
    }
    assert table <= flags
    assert "--profile" in table  # the depth's former name still works
    # Only the help, pytest's verbosity and pytest-xdist's workers (a fleet's) are
    # the CLI's own.
    own = {"-h", "--help", "-v", "--verbose", "-n", "--numprocesses"}
    assert flags - table == own


def test_every_pytest_flag_is_namespaced_except_the_one_pytest_base_url_owns() -> None:
    for option in OPTIONS:
        if option.pytest_owner:
            assert option.pytest_flag == "--base-url"
            continue
        assert option.pytest_flag.startswith("--conformance-")
        assert option.ini_key.startswith("conformance_")


def test_an_unset_option_takes_the_table_default() -> None:
    options = collect(from_namespace(_run_parser().parse_args([])), env={})
    for option in OPTIONS:
        if option.kind == "text":
            assert options.text(option.dest) == option.default
        assert options.source(option.dest) == "the default"


def test_parsed_flags_land_under_their_table_names() -> None:
    args = _run_parser().parse_args(
        ["--api", "cardda", "--fixture", "a=1", "--fixture", "b=2", "--read-only"]
    )
    options = collect(from_namespace(args), env={})
    assert options.text("api") == "cardda"
    assert options.items("fixture") == ("a=1", "b=2")
    assert options.flag("read_only")
    assert options.source("fixture") == "--fixture"


def test_a_front_door_out_of_step_with_the_table_is_caught() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        collect({"hypothesis_profile": "ci"}, env={})


def test_the_readme_options_table_is_the_table() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- options-table")
    end = text.index("<!-- /options-table -->")
    documented = text[start:end].split("\n", 1)[1].strip()
    assert documented.count("\n") >= len(OPTIONS)
    assert documented == markdown_table(), (
        "README's options table is out of date; paste this:\n" + markdown_table()
    )
