"""A small pool of large float64 buffers for the adjoints of arrays held outside the arena.

Why: the adjoint of a 10^6-element array is 8 MB. Fresh memory of that size comes
from the operating system a page at a time (a page fault per 4 KiB, each one
zero-filled), which on Linux costs 0.5 ms per 8 MB on bare metal and several
milliseconds under a sandboxing kernel: more than the arithmetic of the backward
step that writes it. NumPy's own temporaries mostly escape this because malloc
recycles a freed block for the next one; an adjoint sweep keeps several large
buffers alive at once and frees them together, which is exactly the pattern that
makes glibc hand the memory back to the kernel.

So the eager sweep takes adjoint buffers from here and gives back each one as soon
as its entry is done (the buffers of the sources' gradients go to the user and are
never given back). A buffer taken holds garbage: the kernel that first writes it
assigns rather than accumulates (``K.flat_backward``'s ``fresh`` flags), which also
saves the pass that zeroing would cost. At most ``MAX_BYTES`` are kept between sweeps; the pool is shared
by all threads (a lock guards it) and is never held by a tape.
"""
from __future__ import annotations

import threading

import numpy as np

#: Bytes of free buffers kept between uses (enough for the frontier of a sweep over
#: a few 10^6-element arrays; a larger pool would only look like a leak).
MAX_BYTES = 64 * 2**20

#: Buffers smaller than this are not pooled: malloc recycles them well on its own.
MIN_SIZE = 1 << 15

_free: dict[int, list[np.ndarray]] = {}
_held = 0
_lock = threading.Lock()


def take(size: int) -> np.ndarray:
    """A float64 array of ``size`` elements, recycled when one is free: its contents are garbage."""
    global _held
    if size >= MIN_SIZE:
        with _lock:
            stack = _free.get(size)
            if stack:
                buffer = stack.pop()
                _held -= buffer.nbytes
                return buffer
    return np.empty(size, np.float64)


def give(buffer: np.ndarray) -> None:
    """Return a buffer from :func:`take` that nobody references any more."""
    global _held
    if buffer.size < MIN_SIZE:
        return
    with _lock:
        if _held + buffer.nbytes <= MAX_BYTES:
            _free.setdefault(buffer.size, []).append(buffer)
            _held += buffer.nbytes
