"""The drawing process's entry (``drawing.WORKER``). Its protocol has the pipe the
run opened as its standard output; anything else that writes there goes to the null
device, not into the protocol.
"""

from __future__ import annotations

import os
import sys


def _helper_priority() -> None:
    """A helper, not the critical path (its imports done at the run's priority,
    since the run waits for them): the CPU goes first to the run that sends and
    judges, and to a target on the same machine.

    Linux's idle class, not merely a lower priority: a CPU that runs only this
    counts as idle, so a target woken by a request runs there at once, beside the
    run's own work (judging the example before), not queued behind it on the run's
    CPU. On a machine busy with other work it may barely run: the run then draws
    on its own thread (``drawing.STARVED_S``). Elsewhere, a lower priority.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        if hasattr(os, "nice"):
            os.nice(10)


def main() -> None:
    """Serve the run on standard input and (a copy of) standard output; the first
    argument is where the serial of ``${unique_digits}`` starts (the second, the
    import path, ``drawing.WORKER`` has read)."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), sys.stdout.fileno())
    from errcontract._engine.draw_serve import serve
    from errcontract._engine.heap import settled_heap

    _helper_priority()

    with settled_heap():  # the imports live to the end (``heap``)
        serve(sys.stdin.buffer, answers, int(sys.argv[1]))
    answers.flush()
    # The run closed the pipe and waits for this process to end: nothing is left
    # to write or clean, and tearing down the interpreter (the drawn strategies,
    # Schemathesis' and Hypothesis' modules) took a tenth to a third of a second
    # at the end of every large run.
    os._exit(0)
