"""Compiled internals: op codes and the Numba sweeps. Not a public API."""
