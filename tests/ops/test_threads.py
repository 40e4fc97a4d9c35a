"""Tests for the thread settings (set_num_threads, get_num_threads and the interop pair)."""
import pytest

import glasstorch as gt
from tests.oracle.harness import check_error


def test_thread_settings_round_trip():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = gt.get_num_threads()
    with threadpoolctl.threadpool_limits():   # restores every pool's own size on exit
        gt.set_num_threads(1)
        assert gt.get_num_threads() == 1
        gt.set_num_threads(2)
        assert gt.get_num_threads() == 2
        gt.set_num_threads(before)
    gt.set_num_interop_threads(3)
    assert gt.get_num_interop_threads() == 3
    check_error(lambda t: t.set_num_threads(0), match="positive")
    check_error(lambda t: t.set_num_threads(2.0))


@pytest.mark.parametrize("omp", ["1", "2", "64", ""])
def test_default_thread_count_follows_omp_num_threads(omp):
    """Without set_num_threads both libraries report OMP_NUM_THREADS capped at the CPUs
    (unset: glasstorch the usable CPUs, torch the physical cores; equal without SMT)."""
    import os
    import subprocess
    import sys
    code = "import {0}; print({0}.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if omp:
        env["OMP_NUM_THREADS"] = omp
    counts = [int(subprocess.run([sys.executable, "-c", code.format(lib)], env=env, check=True,
                                 capture_output=True, text=True).stdout)
              for lib in ("glasstorch", "torch")]
    cpus = len(os.sched_getaffinity(0))
    assert counts[0] == (min(int(omp), cpus) if omp else cpus)
    assert counts[1] <= counts[0] if omp == "" else counts[1] == counts[0]
