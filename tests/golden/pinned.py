"""The golden figures are computed on one set of numpy's and OpenBLAS's code paths, whatever x86-64 CPU runs them.

numpy chooses among implementations of exp, log, power and others by the CPU it finds (AVX2 or AVX-512), and
OpenBLAS its matrix kernels likewise; they differ in the last bit. A year's run can carry a last bit into a
discrete choice: the landed code run on an AVX2 machine against goldens written on an AVX-512 one moved 25 of the
44 cases by at most 4e-16 (relative) and one (no_blame_shifting, seed 1) by 4e-4 in the mean wait. A run is still
identical to itself on one machine; the goldens are made comparable across machines by running them on the AVX2
paths (x86-64-v3, which every machine here has) with OpenBLAS's Haswell kernels on one thread.

Set before numpy is imported (``tests/conftest.py`` does it for the test processes and those they start); a
process that imported numpy first computes the goldens in a child process that has them (``tests/test_golden.py``).
No numpy import here.
"""

from __future__ import annotations

import os
import sys

ENV = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",   # numpy: no AVX-512 paths
    "OPENBLAS_CORETYPE": "Haswell",                                # OpenBLAS: the AVX2 kernels
    "OPENBLAS_NUM_THREADS": "1",                                   # ... on one thread (the split is deterministic)
}


def pin() -> None:
    """Ask for the pinned paths in this process (if numpy is not imported yet) and the processes it starts."""
    os.environ.update(ENV)


def in_effect() -> bool:
    """Whether this process's numpy and OpenBLAS run the pinned paths (x86-64 only: elsewhere, whatever it has)."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return True
    import numpy as np
    from threadpoolctl import threadpool_info

    targets = np._core._multiarray_umath.__cpu_targets_info__
    avx512 = any("X86_V4" in t["current"] or "AVX512" in t["current"] for loops in targets.values()
                 for t in loops.values())
    blas = [lib for lib in threadpool_info() if lib.get("internal_api") == "openblas"]
    return not avx512 and all(lib.get("architecture") == "Haswell" and lib.get("num_threads") == 1 for lib in blas)


def child_env() -> dict[str, str]:
    """The environment of a child process that computes on the pinned paths."""
    return {**os.environ, **ENV, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
