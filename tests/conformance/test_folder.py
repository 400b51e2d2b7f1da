"""A profile's files read through ``Folder``: each parsed once while unchanged (the
profile and the linter read the same files), every reader with its own copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from errcontract._input import folder as folder_module
from errcontract._input.folder import Folder
from errcontract.exceptions import ConfigError


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names each parse of the folder's files was for."""
    seen: list[str] = []
    load_data, load_text = folder_module.load_data, folder_module.load_text

    def counted_data(path: Path, **kwargs: object) -> object:
        seen.append(path.name)
        return load_data(path, **kwargs)  # type: ignore[arg-type]

    def counted_text(text: str, *, name: str, **kwargs: object) -> object:
        seen.append(name)
        return load_text(text, name=name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(folder_module, "load_data", counted_data)
    monkeypatch.setattr(folder_module, "load_text", counted_text)
    return seen


def test_an_unchanged_file_is_parsed_once_and_each_reader_gets_a_copy(
    tmp_path: Path, parses: list[str]
) -> None:
    (tmp_path / "a.yaml").write_text("x: [1, 2]\n")
    folder = Folder.on_disk(tmp_path)
    first = folder.load("a.yaml", fail=ConfigError)
    first["x"].append(3)  # a reader's own business
    assert folder.load("a.yaml", fail=ConfigError) == {"x": [1, 2]}
    assert parses == ["a.yaml"]


def test_a_changed_file_is_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("x: 1\n")
    folder = Folder.on_disk(tmp_path)
    assert folder.load("a.yaml", fail=ConfigError) == {"x": 1}
    path.write_text("x: 22\n")
    os.utime(path, ns=(1, 1))  # a different stamp even within the clock's tick
    assert folder.load("a.yaml", fail=ConfigError) == {"x": 22}
    assert parses == ["a.yaml", "a.yaml"]


def test_a_file_that_fails_fails_each_time_with_the_callers_words(
    tmp_path: Path, parses: list[str]
) -> None:
    (tmp_path / "a.yaml").write_text("x: [1\n")
    folder = Folder.on_disk(tmp_path)
    for who in ("profile", "linter"):
        with pytest.raises(ConfigError, match=f"^{who}: is not valid YAML"):
            folder.load("a.yaml", fail=lambda p, who=who: ConfigError(f"{who}: {p}"))
    assert parses == ["a.yaml", "a.yaml"]
    with pytest.raises(ConfigError, match="No such file"):
        folder.load("gone.yaml", fail=ConfigError)


def test_files_in_memory_are_parsed_once_and_json_apart_from_yaml(
    parses: list[str],
) -> None:
    folder = Folder.in_memory("derived", {"a.json": '{"x": 1}'})
    assert folder.load("a.json", fail=ConfigError) == {"x": 1}
    assert folder.load("./a.json", fail=ConfigError) == {"x": 1}
    assert folder.load("a.json", fail=ConfigError, json_only=True) == {"x": 1}
    assert parses == ["a.json", "a.json"]


def test_a_large_file_is_parsed_each_time_not_kept(
    tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder_module, "KEPT_BYTES", 16)
    (tmp_path / "a.yaml").write_text("x: [1, 2, 3, 4, 5, 6]\n")
    folder = Folder.on_disk(tmp_path)
    memory = Folder.in_memory("derived", {"a.yaml": "x: [1, 2, 3, 4, 5, 6]\n"})
    for each in (folder, memory):
        for _ in range(2):
            assert each.load("a.yaml", fail=ConfigError) == {"x": [1, 2, 3, 4, 5, 6]}
    assert parses == ["a.yaml"] * 4
