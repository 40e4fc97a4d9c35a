"""DataLoader throughput: a dataset whose __getitem__ does real CPU work (~1.5 ms of NumPy per
item), loaded in-process (num_workers=0) and by 2 worker processes, under glasstorch and, for
reference, under PyTorch in the same run. Reports items/s and the workers' speed-up (glasstorch
target on a 2-core machine: >= 1.6x). Workers are persistent and warmed up, so the numbers are
loading throughput; starting two workers adds roughly 0.1 s per epoch without
persistent_workers (on either library)."""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402,F401  (pins threads before NumPy loads)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import glasstorch  # noqa: E402

N_ITEMS, BATCH, SIGNAL = 640, 16, 1 << 15
TARGET = 1.6


def make_dataset(lib):
    """Item i: a synthetic 1-D signal, sorted, filtered through an FFT and summarised into 64
    features. All NumPy work outside BLAS, so worker processes do not fight over BLAS threads."""
    class Signals(lib.utils.data.Dataset):
        def __len__(self):
            return N_ITEMS

        def __getitem__(self, i):
            t = np.arange(SIGNAL, dtype=np.float64) * (1e-3 * (i + 1))
            x = np.sin(t) + 0.5 * np.cos(3.1 * t)
            x = np.sort(x) - np.cumsum(x) / SIGNAL
            spectrum = np.abs(np.fft.rfft(x))[:4096]
            features = spectrum.reshape(64, 64).mean(axis=1).astype(np.float32)
            return lib.from_numpy(features), i % 10

    return Signals()


def make_loader(lib, dataset, num_workers):
    # persistent workers: the timed epochs measure loading throughput, not process start-up
    return lib.utils.data.DataLoader(dataset, batch_size=BATCH, num_workers=num_workers,
                                     persistent_workers=num_workers > 0)


def epoch(loader):
    """Wall time of one full pass over `loader`, and a checksum of the data (so the workers'
    result can be checked against the in-process one)."""
    start = time.perf_counter()
    total = 0.0
    for x, y in loader:
        total += float(x.sum()) + float(y.sum())
    return time.perf_counter() - start, total


def main(repeats=5):
    # Runs are interleaved (every configuration once per round) so that a change in the
    # machine's load hits all configurations alike; each reports its median.
    configs = [(name, lib, workers) for name, lib in (("glasstorch", glasstorch), ("torch", torch))
               for workers in (0, 2)]
    loaders = {(name, workers): make_loader(lib, make_dataset(lib), workers)
               for name, lib, workers in configs}
    for loader in loaders.values():
        epoch(loader)  # warm-up: start the workers, fill caches
    times = {key: [] for key in loaders}
    checks = {}
    for _ in range(repeats):
        for key, loader in loaders.items():
            seconds, checks[key] = epoch(loader)
            times[key].append(seconds)
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"DataLoader throughput, {N_ITEMS} items of ~1.5 ms CPU work, batch {BATCH} "
          f"(items/s, median of {repeats} epochs; persistent workers)")
    print(f"{'library':<12}{'workers=0':>12}{'workers=2':>12}{'speed-up':>10}")
    for name in ("glasstorch", "torch"):
        serial, parallel = median[name, 0], median[name, 2]
        speedup = serial / parallel
        verdict = ""
        if name == "glasstorch":
            verdict = "  ok" if speedup >= TARGET else f"  UNDER {TARGET}"
        ok = np.isclose(checks[name, 0], checks[name, 2], rtol=1e-5)
        print(f"{name:<12}{N_ITEMS / serial:>12.0f}{N_ITEMS / parallel:>12.0f}"
              f"{speedup:>9.2f}x{verdict}{'' if ok else '  RESULTS DIFFER'}", flush=True)
    if hasattr(os, "getloadavg"):
        # the speed-up needs idle cores: other jobs running on the machine eat straight into it
        print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs during the run)")


if __name__ == "__main__":
    main()
