"""DataLoader throughput: a dataset whose __getitem__ does real CPU work (~1.5 ms of NumPy per
item), loaded in-process (num_workers=0) and by 2 worker processes, under glasstorch and, for
reference, under PyTorch in the same run. Reports items/s and the workers' speed-up (glasstorch
target on a 2-core machine: >= 1.6x). Each epoch includes starting the workers, as a training
loop that does not use persistent_workers pays it."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402,F401  (pins threads before NumPy loads)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import glasstorch  # noqa: E402

N_ITEMS, BATCH, SIGNAL = 480, 16, 1 << 15
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


def epoch_seconds(lib, num_workers, repeats=3):
    """Median wall time of one full pass over a fresh DataLoader, and a checksum of the data
    (so the workers' result can be checked against the in-process one)."""
    dataset = make_dataset(lib)
    times, total = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        loader = lib.utils.data.DataLoader(dataset, batch_size=BATCH, num_workers=num_workers)
        total = 0.0
        for x, y in loader:
            total += float(x.sum()) + float(y.sum())
        del loader
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2], total


def main():
    rows = {}
    for name, lib in (("glasstorch", glasstorch), ("torch", torch)):
        serial, check0 = epoch_seconds(lib, 0)
        workers, check2 = epoch_seconds(lib, 2)
        rows[name] = (serial, workers, np.isclose(check0, check2, rtol=1e-5))
    print(f"DataLoader throughput, {N_ITEMS} items of ~1.5 ms CPU work, batch {BATCH} "
          f"(items/s; epoch includes worker start-up)")
    print(f"{'library':<12}{'workers=0':>12}{'workers=2':>12}{'speed-up':>10}")
    for name, (serial, workers, ok) in rows.items():
        speedup = serial / workers
        verdict = ""
        if name == "glasstorch":
            verdict = "  ok" if speedup >= TARGET else f"  UNDER {TARGET}"
        print(f"{name:<12}{N_ITEMS / serial:>12.0f}{N_ITEMS / workers:>12.0f}"
              f"{speedup:>9.2f}x{verdict}{'' if ok else '  RESULTS DIFFER'}", flush=True)


if __name__ == "__main__":
    main()
