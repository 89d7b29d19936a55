"""The tape: buffers (storage), recorder (appending entries), scratch (pooled adjoint buffers).

The gradient algorithm that walks a tape is ``numtape.backward`` (it sits above ``numtape.ops``).
"""
