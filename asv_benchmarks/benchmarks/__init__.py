"""numtape's asv benchmarks (see asv_benchmarks/README.md).

Every implementation, numtape, the references and the peers, runs on one thread:
the project machine has two shared cores, and multi-threaded BLAS or XLA on a
loaded core turns sub-millisecond timings into noise. These variables must be set
before NumPy (or a peer) is first imported, hence here.
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
