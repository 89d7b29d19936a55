"""Per-thread state: the stack of recording tapes and the active trace.

Tapes are per thread, as in TensorFlow: each thread records onto its own tapes
and never sees another thread's.
"""
from __future__ import annotations

import threading
from typing import Any


class ThreadState(threading.local):
    """``stack``: tapes recording in this thread, innermost last.
    ``trace``: the ``nt.function`` trace being recorded in this thread, or None.
    ``variable_reads``: lists collecting variables read (for custom gradients).
    """

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.trace: Any = None
        self.variable_reads: list[list[Any]] = []


state = ThreadState()
