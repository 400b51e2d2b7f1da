"""Where a profile's files are read from: a directory, or files held in memory.

A profile a team writes is a directory; a profile zero-config derives from an OpenAPI
document and a convention is the same files, made in memory and read from there
(nothing written to a temporary directory, nothing left behind). The profile loader
and the linter read every file through a ``Folder``, the same bounded reader either
way.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from errcontract._input.loading import load_data, load_text

KEPT_BYTES = 1 << 20
"""A file parsed once is kept (parsed) up to this size: a larger one's copies would
hold its objects two and three times over (a 14 MB document of 40,000 schemas went
past 500 MB), and it is parsed again instead."""


class Folder:
    """A profile's files, by name relative to the profile."""

    def __init__(
        self,
        label: str,
        *,
        root: Path | None = None,
        files: Mapping[str, str] | None = None,
    ) -> None:
        if (root is None) == (files is None):
            raise ValueError("a folder is a directory or files in memory, not both")
        self.label = label
        self.root = root
        self.files = dict(files or {})
        # The profile and the linter read the same files: each is parsed once while
        # it is unchanged (and small: ``KEPT_BYTES``), every reader with its copy.
        self._parsed: dict[tuple[str, bool], tuple[object, Any]] = {}

    @classmethod
    def on_disk(cls, directory: Path) -> Folder:
        """The directory ``directory``."""
        return cls(str(directory), root=directory)

    @classmethod
    def in_memory(cls, label: str, files: Mapping[str, str]) -> Folder:
        """Files held in memory, named in messages by ``label``."""
        return cls(label, files=files)

    def __repr__(self) -> str:
        return f"Folder({self.label!r})"

    @property
    def name(self) -> str:
        """The folder's own name (a directory's last part)."""
        return self.root.name if self.root is not None else self.label

    def path(self, relative: str) -> Path:
        """How a message names a file of the folder."""
        base = self.root if self.root is not None else Path(self.label)
        return base / relative

    def exists(self, relative: str) -> bool:
        """Whether the folder holds the file ``relative``."""
        if self.root is not None:
            return (self.root / relative).is_file()
        return _normal(relative) in self.files

    def glob(self, pattern: str) -> list[str]:
        """The names of the folder's own files matching ``pattern`` (no subfolder)."""
        if self.root is not None:
            return sorted(p.name for p in self.root.glob(pattern) if p.is_file())
        return sorted(n for n in self.files if "/" not in n and fnmatchcase(n, pattern))

    def load(
        self,
        relative: str,
        *,
        fail: Callable[[str], Exception],
        json_only: bool = False,
    ) -> Any:
        """A YAML or JSON file of the folder, read within the reader's bounds."""
        key = (_normal(relative), json_only)
        stamp = self._stamp(relative)
        kept = self._parsed.get(key)
        if stamp is not None and kept is not None and kept[0] == stamp:
            return copy.deepcopy(kept[1])
        if self.root is not None:
            value = load_data(self.root / relative, fail=fail, json_only=json_only)
        else:
            text = self.files.get(key[0])
            if text is None:
                raise fail("cannot be read: No such file")
            value = load_text(text, name=relative, fail=fail, json_only=json_only)
        if stamp is not None:
            self._parsed[key] = (stamp, copy.deepcopy(value))
        return value

    def _stamp(self, relative: str) -> object | None:
        """What tells the file unchanged since it was parsed (``None``: unreadable,
        or too large to keep)."""
        if self.root is None:
            text = self.files.get(_normal(relative))
            return text if text is not None and len(text) <= KEPT_BYTES else None
        try:
            found = (self.root / relative).stat()
        except OSError:
            return None
        if found.st_size > KEPT_BYTES:
            return None
        return (found.st_ino, found.st_size, found.st_mtime_ns)

    def within(self, relative: str, shared: Path | None = None) -> bool:
        """Whether ``relative`` stays inside the folder (a directory's parent too:
        a folder of profiles shares ``../common/``), or inside ``shared``."""
        if self.root is None:
            return _normal(relative) in self.files
        path = Path(os.path.normpath(self.root.absolute() / relative))
        roots = [self.root.absolute().parent]
        if shared is not None:
            roots.append(shared.absolute())
        return any(path.is_relative_to(root) for root in roots)


def _normal(relative: str) -> str:
    return os.path.normpath(relative).replace(os.sep, "/")
