"""Run the real ``conformance`` command in a child process, as a user would.

A hard time bound (``subprocess.run(timeout=…)``) even if the suite hangs, stderr as
a user sees it, the wall time, and the child's peak RSS: the wrapper prints VmHWM
from /proc/self/status (not ru_maxrss, which on Linux starts at the parent's
high-water mark and survives the exec).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import leaks

RSS_LINE = "conformance-peak-rss-kb="
CPU_LINE = "conformance-cpu-s="
MAX_RSS_MB = 500
"""Peak RSS a run may reach whatever the document or target throws at it."""
MAX_WALL_S = 60
"""Wall time of any one attempt (the issue's bound)."""

VERDICT_BOUNDS: dict[str, float | None] = {"max_wall_s": None, "max_cpu_s": MAX_WALL_S}
"""``Outcome.problems`` bounds for a run that goes to a verdict: 60 s of CPU (its
wall time on a loaded two-core machine counts the other tests' processes too);
the hard limit of ``run`` still kills it."""

_WRAPPER = f"""
import os, resource, signal, sys

STDERR = os.dup(2)  # the run's pytest session captures fd 2 while it judges

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

def figures():
    return f"\\n{RSS_LINE}{{peak_kb()}}\\n{CPU_LINE}{{cpu_s():.2f}}\\n"

def killed(signum, frame):
    # The parent's time limit: say what the run had used, then go.
    os.write(STDERR, figures().encode())
    os._exit(124)

signal.signal(signal.SIGTERM, killed)
from errcontract.cli import main
code = 4
try:
    code = main(sys.argv[1:])
finally:
    print(figures(), file=sys.stderr)
sys.exit(code)
"""

_PROXY_VARIABLES = (
    *("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"),
    *("http_proxy", "https_proxy", "all_proxy", "no_proxy"),
)


@dataclass
class Outcome:
    """One run of the command."""

    argv: list[str]
    code: int | None
    """The exit status; ``None`` when the run was killed at its hard limit."""
    out: str
    err: str
    wall_s: float
    report_dir: Path | None
    secrets: set[str] = field(default_factory=set)
    """Values ``tail`` masks: the CONFORMANCE_* values given, and every secret a
    check was asked about."""

    @property
    def peak_rss_mb(self) -> float | None:
        for line in self.err.splitlines():
            if line.startswith(RSS_LINE):
                return int(line.removeprefix(RSS_LINE)) / 1024
        return None

    @property
    def cpu_s(self) -> float | None:
        """CPU seconds the run used (user + system): what it costs whatever the
        load of the machine, where wall time also counts other processes."""
        for line in self.err.splitlines():
            if line.startswith(CPU_LINE):
                return float(line.removeprefix(CPU_LINE))
        return None

    @property
    def stderr_lines(self) -> list[str]:
        """stderr as the user sees it (the wrapper's figures left out)."""
        return [
            line
            for line in self.err.splitlines()
            if line.strip() and not line.startswith((RSS_LINE, CPU_LINE))
        ]

    def leaks(self, secrets: Iterable[str]) -> list[str]:
        """Where a secret shows, in any encoding, in stdout, stderr or a report."""
        self.secrets.update(secrets)
        return leaks.scan_run(
            self.out, "\n".join(self.stderr_lines), self.report_dir, secrets
        )

    def tail(self) -> str:
        """The end of both streams, every known secret masked, for a failure
        message."""
        out = leaks.mask(self.out, self.secrets)[-2500:]
        err = leaks.mask(self.err, self.secrets)[-2500:]
        return (
            f"\n--- exit {self.code} after {self.wall_s:.1f} s ({self.cpu_s} s CPU), "
            f"peak {self.peak_rss_mb} MB ---\n--- stdout ---\n{out}"
            f"\n--- stderr ---\n{err}"
        )

    def problems(
        self,
        *,
        secrets: Sequence[str] = (),
        max_wall_s: float | None = MAX_WALL_S,
        max_cpu_s: float | None = None,
    ) -> list[str]:
        """What every attempt must keep: bounded, no traceback, no secret.

        ``max_wall_s`` bounds the wall time; a heavy run on a loaded machine is
        bounded by ``max_cpu_s`` instead (``max_wall_s=None``), and by the hard
        limit it is killed at."""
        found = []
        if self.code is None:
            found.append(
                f"still running after {self.wall_s:.0f} s ({self.cpu_s} s CPU): killed"
            )
        elif max_wall_s is not None and self.wall_s > max_wall_s:
            found.append(f"took {self.wall_s:.1f} s, over {max_wall_s} s")
        cpu = self.cpu_s
        if max_cpu_s is not None and (cpu is None or cpu > max_cpu_s):
            found.append(f"used {cpu} s of CPU, over {max_cpu_s} s")
        if "Traceback" in self.out or "Traceback" in self.err:
            found.append("a traceback in the output")
        if self.code in (4,):
            found.append("exit 4: the suite itself failed")
        found += [f"leak: {hit}" for hit in self.leaks(secrets)]
        return found

    def refusal_problems(self, *words: str) -> list[str]:
        """Exit 2 with exactly one line, ``conformance: error: …``, naming ``words``
        (any one of them, case-insensitive) and nothing on stdout."""
        found = []
        if self.code != 2:
            found.append(f"exit {self.code}, expected 2")
        lines = self.stderr_lines
        if len(lines) != 1 or not lines[0].startswith("conformance: error:"):
            found.append(f"stderr is not one 'conformance: error:' line: {lines!r}")
        elif words and not any(w.lower() in lines[0].lower() for w in words):
            found.append(f"the error names none of {words}: {lines[0]!r}")
        if self.out.strip():
            found.append(f"stdout is not empty: {self.out[:300]!r}")
        return found


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without CONFORMANCE_* and proxy variables, plus
    ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CONFORMANCE_") and k not in _PROXY_VARIABLES
    }
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout_s: float = MAX_WALL_S + 30,
    report_dir: Path | None = None,
) -> Outcome:
    """``conformance ARGV`` in a child process, killed after ``timeout_s``."""
    args = list(argv)
    if args and args[0] == "run" and "--report-dir" not in args:
        report_dir = report_dir or cwd / "report"
        args += ["--report-dir", str(report_dir)]
    started = time.monotonic()
    with subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        cwd=cwd,
        env=clean_env(env),
    ) as child:
        try:
            out, err = child.communicate(timeout=timeout_s)
            code: int | None = child.returncode
        except subprocess.TimeoutExpired:
            # SIGTERM first: the wrapper then reports the peak RSS it reached.
            child.terminate()
            try:
                out, err = child.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                out, err = child.communicate()
            code = None
    given = {  # short values (a workspace id "w-1") would mask half the output
        v for k, v in (env or {}).items() if k.startswith("CONFORMANCE_") and len(v) > 7
    }
    return Outcome(args, code, out, err, time.monotonic() - started, report_dir, given)


def closed_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` nothing listens on (bound, then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
