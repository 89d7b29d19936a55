"""The tape: buffers (storage), recorder (appending entries), backward (gradients)."""
