"""Shared bench machinery: run one workload under PyTorch and glasstorch, report the ratio.

Each workload is written once against the torch API and receives the library as `torch`.
Thread counts are pinned equal on both sides (BLAS threads for NumPy are fixed through the
environment before NumPy loads, so import this module first)."""
import os
import statistics
import time

# One thread by default: on a shared 2-core machine two-thread timings swing by 2x from run to
# run (torch's pool and BLAS's both wait on a busy core); BENCH_THREADS=2 uses both cores.
THREADS = int(os.environ.get("BENCH_THREADS", 1))
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, str(THREADS))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glasstorch  # noqa: E402

torch.set_num_threads(THREADS)


def compare(name, make_workload, repeats=7, warmup=2, rtol=1e-3, atol=1e-4, target=None):
    """Time make_workload(lib)() for both libraries, check results agree, print one line.
    make_workload(lib) returns a zero-argument callable whose result is an array-like.
    Runs alternate between the libraries (torch, glasstorch, torch, …) so that a change in
    the machine's load during the bench affects both sides alike; the median of each is kept."""
    libs = (("torch", torch), ("glasstorch", glasstorch))
    runs = {label: make_workload(lib) for label, lib in libs}
    results = {label: np.asarray(_to_numpy(run())) for label, run in runs.items()}
    for _ in range(warmup - 1):
        for run in runs.values():
            run()
    samples = {label: [] for label in runs}
    for _ in range(repeats):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            samples[label].append(time.perf_counter() - start)
    times = {label: statistics.median(ts) for label, ts in samples.items()}
    ok = np.allclose(results["glasstorch"], results["torch"], rtol=rtol, atol=atol)
    ratio = times["glasstorch"] / times["torch"]
    verdict = "" if target is None else ("  ok" if ratio <= target else f"  OVER {target}")
    print(f"{name:<56} torch {times['torch'] * 1e3:9.2f} ms  glasstorch "
          f"{times['glasstorch'] * 1e3:9.2f} ms  ratio {ratio:5.2f}"
          f"{'' if target is None else f' (target <= {target})'}{verdict}"
          f"{'' if ok else '  RESULTS DIFFER'}", flush=True)
    return ratio, ok


def _to_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        return x.numpy()
    return x
