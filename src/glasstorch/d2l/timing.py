"""Timer, Benchmark and Accumulator: the book's small measuring helpers."""
import time

import numpy as np


class Timer:
    """Record several running times."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.time()

    def stop(self):
        """Stop the timer, record the time since start() and return it."""
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        """The average recorded time."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """The total recorded time."""
        return sum(self.times)

    def cumsum(self):
        """The running totals of the recorded times, as a list."""
        return np.array(self.times).cumsum().tolist()


class Benchmark:
    """`with Benchmark('what'):` prints 'what: <seconds> sec' when the block ends."""

    def __init__(self, description="Done"):
        self.description = description

    def __enter__(self):
        self.timer = Timer()
        return self

    def __exit__(self, *args):
        print(f"{self.description}: {self.timer.stop():.4f} sec")


class Accumulator:
    """Running sums over n variables: add(a, b, ...) adds float(a), float(b), ..."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]
