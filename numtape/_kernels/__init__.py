"""numtape's compiled code: NumPy + Numba only, nothing else of numtape is imported here.

How a tape is laid out (see ``numtape/tape/buffers.py`` for the Python side):

* One **entry** per recorded value; the entry's index is also its **slot**, the id
  by which later entries name it. Four parallel columns hold the entries:
  ``code`` (uint16: the op code, bit 8 set when the value is float32), ``arg0`` and
  ``arg1`` (int32) and ``value`` (float64).
* Scalar entries (codes below ``OP_ARRAY_LEAF``) keep their value in ``value[i]``;
  ``arg0``/``arg1`` are the operand slots. A unary function's code is its ``FN_*``
  number, a binary one's likewise: a scalar ``sin`` entry has code ``FN_SIN``.
* Array entries keep ``arg0`` = first operand and ``arg1`` = a row of ``aux``
  (int64, ``N_AUX`` columns): where the output lives (``A_OFF``: an offset into the
  float64 ``arena``, ``-1`` for a 0-d output kept in ``value[i]``, ``<= -2`` for a
  large array held by reference outside the arena), its size, the elementwise
  ``fn``, two more operand slots and four integer attributes. Index maps and
  operand lists live in the int64 ``iarena``.
* Adjoints mirror values: ``adj`` beside ``value`` and ``adj_arena`` beside
  ``arena``; tangents likewise. Every kernel reads and writes flat 1-d views given
  by ``views.slot_data``.

The modules, bottom up: ``layout`` (the format's constants), ``codes`` and
``scalar`` (GENERATED from the op rows by ``python -m numtape._codegen``: the
codes, per-code property arrays, and the scalar value / partial / second
derivative switches), ``mathfn`` (scalar helpers the row formulas call),
``views``, ``elementwise``, ``structural`` and ``matmul`` (the array kernels of
each op family), ``arrays`` (dispatch of an array entry to its kernel),
``sweep`` (liveness and the sweeps) and ``replay`` (``nt.function``'s one-call
drivers). ``jit`` holds the Numba options and compiles every ``@kernel`` on first
use, never at import. Op codes are explicit and append-only: never renumber one
(compiled caches and pickled compiled tapes store them).
"""
