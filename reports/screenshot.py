"""``report.png``: the first screen of ``report.html``, taken by headless Chromium.

No browser is downloaded: the one installed on the machine is used (Debian's
``chromium``), and with none found the caller gets ``None`` and says so.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    """The path of an installed Chromium (or Chrome), or ``None``."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def headless_command(
    browser: str, profile: Path, *, width: int, height: int
) -> list[str]:
    """Chromium's headless flags: no network of its own, a throwaway profile."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
    ]


def run_headless(
    args: list[str], *, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """Run a headless Chromium command; on timeout its whole process group is killed
    and ``subprocess.TimeoutExpired`` raised."""
    # A new session, so the renderer and GPU children die with the browser on timeout
    # (the Debian launcher is a shell script that does not always exec).
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            raise
        return subprocess.CompletedProcess(args, proc.returncode, out, err)


def screenshot(
    html: Path,
    png: Path,
    *,
    width: int = 1280,
    height: int = 900,
    timeout_s: float = 30,
) -> Path | None:
    """Save the first ``width`` x ``height`` pixels of ``html`` as ``png``.

    ``None`` when no browser is installed, when it did not finish within
    ``timeout_s`` seconds, or when it wrote no image; never raises for those.
    """
    browser = find_browser()
    if browser is None:
        return None
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="conformance-chromium-") as profile:
        command = headless_command(browser, Path(profile), width=width, height=height)
        command += [f"--screenshot={png.resolve()}", html.resolve().as_uri()]
        try:
            run_headless(command, timeout_s=timeout_s)
        except (subprocess.TimeoutExpired, OSError):
            return None
    return png if png.is_file() and png.stat().st_size > 0 else None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
