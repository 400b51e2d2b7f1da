"""The drawing process's entry (``drawing.WORKER``). Its protocol has the pipe the
run opened as its standard output; anything else that writes there goes to the null
device, not into the protocol.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Serve the run on standard input and (a copy of) standard output; the first
    argument is where the serial of ``${unique_digits}`` starts (the second, the
    import path, ``drawing.WORKER`` has read)."""
    if hasattr(os, "nice"):
        # A helper, not the critical path: the CPU goes first to the run that
        # sends and judges, and to a target on the same machine.
        os.nice(10)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), sys.stdout.fileno())
    from errcontract._engine.draw_serve import serve
    from errcontract._engine.heap import settled_heap

    with settled_heap():  # the imports live to the end (``heap``)
        serve(sys.stdin.buffer, answers, int(sys.argv[1]))
    answers.flush()
    # The run closed the pipe and waits for this process to end: nothing is left
    # to write or clean, and tearing down the interpreter (the drawn strategies,
    # Schemathesis' and Hypothesis' modules) took a tenth to a third of a second
    # at the end of every large run.
    os._exit(0)
