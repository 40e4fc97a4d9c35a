"""DataLoader with worker processes: same batches as in-process loading, order, worker info
and seeding, error propagation, dead workers, timeouts, persistent workers, clean shutdown.
Datasets are small and sleeps short so every test takes well under a few seconds."""
import array
import contextlib
import fcntl
import os
import random
import signal
import termios
import threading
import time
import warnings

import numpy as np
import pytest

import glasstorch as gt
import glasstorch.utils.data as gud

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def assert_batches_equal(ours, expected):
    assert len(ours) == len(expected)
    for a, b in zip(ours, expected):
        assert type(a) is type(b)
        if isinstance(a, list):
            assert_batches_equal(a, b)
        elif isinstance(a, dict):
            assert list(a) == list(b)
            assert_batches_equal(list(a.values()), list(b.values()))
        elif isinstance(a, gt.Tensor):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        else:
            assert a == b


def gone(pid):
    """True once `pid` no longer exists (exited *and* reaped: not a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Numbers(gud.Dataset):
    """Item i = {'x': float32 row, 'y': i}; items in `slow` sleep a little so batches finish
    out of order; items in `fail` raise ValueError; `die` makes the worker exit abruptly."""

    def __init__(self, n=24, slow=(), fail=(), die=None, kill=None, sleep=0.05):
        self.n, self.slow, self.fail, self.die, self.kill, self.sleep = (
            n, set(slow), set(fail), die, kill, sleep)

    def __getitem__(self, i):
        if i in self.slow:
            time.sleep(self.sleep)
        if i in self.fail:
            raise ValueError(f"bad item {i}")
        if i == self.die and gud.get_worker_info() is not None:
            os._exit(1)
        if i == self.kill and gud.get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return {"x": np.full(3, i, "float32"), "y": i}

    def __len__(self):
        return self.n


class WhoAmI(gud.Dataset):
    """Item i reports which process made it and what that process's RNGs say."""

    def __getitem__(self, i):
        info = gud.get_worker_info()
        return {"i": i, "pid": os.getpid(), "id": info.id, "num_workers": info.num_workers,
                "seed": info.seed, "init": _INIT_MARK, "same_dataset": info.dataset is self,
                "py": random.random(), "np": float(np.random.random()),
                "gt_seed": gt.default_generator.initial_seed()}

    def __len__(self):
        return 8


_INIT_MARK = None


def mark_init(worker_id):
    global _INIT_MARK
    _INIT_MARK = ("init", worker_id, gud.get_worker_info().id)


def failing_init(worker_id):
    raise ZeroDivisionError("init failed")


class ShardedStream(gud.IterableDataset):
    """0..n-1, split between workers by get_worker_info (the documented recipe)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = gud.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Unsplit(ShardedStream):
    def __iter__(self):
        return iter(range(self.n))


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class RaisesOddly(gud.Dataset):
    def __getitem__(self, i):
        if i == 1:
            raise NeedsTwoArgs("x", "y")
        if i == 2:
            raise KeyError("missing")
        return i

    def __len__(self):
        return 4


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size,drop_last", [(4, False), (5, True), (5, False)])
def test_same_batches_in_same_order_as_in_process(batch_size, drop_last):
    # batch 0 is slow, so later batches arrive first and must wait in the reorder buffer
    ds = Numbers(23, slow={0, 1})
    expected = list(gud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last))
    loader = gud.DataLoader(ds, batch_size=batch_size, drop_last=drop_last, num_workers=2)
    assert len(loader) == len(expected)
    assert_batches_equal(list(loader), expected)


def test_matches_torch_with_workers():
    # torch is imported here, not at the top: spawned workers import this module
    import torch.utils.data as tud
    ds = Numbers(10)
    theirs = list(tud.DataLoader(ds, batch_size=3, num_workers=2))
    ours = list(gud.DataLoader(ds, batch_size=3, num_workers=2))
    assert [b["y"].tolist() for b in ours] == [b["y"].tolist() for b in theirs]
    assert [b["x"].numpy().tolist() for b in ours] == [b["x"].numpy().tolist() for b in theirs]


def test_tensor_dataset_shuffle_with_workers():
    x = gt.tensor(np.arange(40.0).reshape(20, 2))
    loader = gud.DataLoader(gud.TensorDataset(x, gt.tensor(np.arange(20))), batch_size=6,
                            shuffle=True, num_workers=2)
    rows = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
    labels = np.concatenate([y for _, y in rows])
    assert sorted(labels.tolist()) == list(range(20))
    for xb, yb in rows:
        np.testing.assert_array_equal(xb[:, 0], 2.0 * yb)


def test_batch_size_none_with_workers():
    expected = list(gud.DataLoader(Numbers(5), batch_size=None))
    assert_batches_equal(list(gud.DataLoader(Numbers(5), batch_size=None, num_workers=2)),
                         expected)


def test_in_order_false_delivers_ready_batches_first():
    ds = Numbers(16, slow={0}, sleep=0.5)
    batches = list(gud.DataLoader(ds, batch_size=4, num_workers=2, in_order=False))
    firsts = [b["y"][0].item() for b in batches]
    assert sorted(firsts) == [0, 4, 8, 12]
    assert firsts[0] != 0  # the slow first batch did not hold the others back


def test_worker_info_init_fn_and_seeds():
    loader = gud.DataLoader(WhoAmI(), batch_size=None, num_workers=2, worker_init_fn=mark_init,
                            generator=gt.Generator().manual_seed(7))
    items = list(loader)
    assert [it["i"] for it in items] == list(range(8))
    by_worker = {}
    for it in items:
        assert it["pid"] != os.getpid()
        assert it["num_workers"] == 2 and it["same_dataset"]
        assert it["init"] == ["init", it["id"], it["id"]]  # worker_init_fn ran in that worker
        assert it["gt_seed"] == it["seed"]  # glasstorch's generator was seeded with it
        by_worker.setdefault(it["id"], set()).add((it["pid"], it["seed"]))
    assert sorted(by_worker) == [0, 1]
    (pid0, seed0), = by_worker[0]
    (pid1, seed1), = by_worker[1]
    assert pid0 != pid1 and seed1 == seed0 + 1  # base_seed + worker_id
    first = {it["id"]: it for it in reversed(items)}  # each worker's first item
    assert first[0]["py"] != first[1]["py"] and first[0]["np"] != first[1]["np"]
    # the base seed comes from the loader's generator: same generator seed, same worker seeds
    again = list(gud.DataLoader(WhoAmI(), batch_size=None, num_workers=2,
                                generator=gt.Generator().manual_seed(7)))
    assert [it["seed"] for it in again] == [it["seed"] for it in items]
    assert [it["py"] for it in again] == [it["py"] for it in items]


def test_exception_in_worker_is_reraised_with_traceback():
    loader = gud.DataLoader(Numbers(12, fail={5}), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    message = str(info.value)
    assert message.startswith("Caught ValueError in DataLoader worker process ")
    assert "Original Traceback (most recent call last):" in message
    assert "bad item 5" in message and "__getitem__" in message


def test_exception_types_that_cannot_be_rebuilt():
    it = iter(gud.DataLoader(RaisesOddly(), batch_size=None, num_workers=1))
    assert next(it) == 0
    with pytest.raises(RuntimeError, match="Caught NeedsTwoArgs"):
        next(it)
    with pytest.raises(KeyError, match="Caught KeyError") as info:
        next(it)
    assert "\n" in str(info.value)  # the traceback is readable, not an escaped repr
    assert next(it) == 3  # the loader keeps going after a failed item, as torch's does


def test_worker_init_fn_error_is_reraised():
    with pytest.raises(ZeroDivisionError, match="init failed"):
        list(gud.DataLoader(Numbers(4), num_workers=2, worker_init_fn=failing_init))


def test_unpicklable_batch_is_an_error_not_a_hang():
    loader = gud.DataLoader(Numbers(4), batch_size=2, num_workers=1,
                            collate_fn=lambda batch: (lambda: batch))
    with pytest.raises(Exception, match="Caught"):
        list(loader)


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_dead_worker_raises_promptly(how):
    ds = Numbers(40, die=9) if how == "exit" else Numbers(40, kill=9)
    it = iter(gud.DataLoader(ds, batch_size=2, num_workers=2))
    pids = [w.pid for w in it._workers]
    start = time.monotonic()
    message = (r"^DataLoader worker \(pid \d+\) exited unexpectedly with exit code 1\. "
               r"Details are lost" if how == "exit" else
               r"^DataLoader worker \(pid \d+\) is killed by signal: Killed\.$")
    with pytest.raises(RuntimeError, match=message):
        for _ in it:
            pass
    assert time.monotonic() - start < 10  # an error, never a hang
    assert all(gone(pid) for pid in pids)  # the other worker was stopped and reaped too


def test_timeout():
    ds = Numbers(4, slow={0}, sleep=1.0)
    it = iter(gud.DataLoader(ds, batch_size=2, num_workers=1, timeout=0.2))
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.2 seconds$"):
        next(it)
    del it


def test_workers_exit_when_exhausted_or_deleted():
    it = iter(gud.DataLoader(Numbers(12), batch_size=2, num_workers=2))
    pids = [w.pid for w in it._workers]
    assert not any(gone(p) for p in pids)
    list(it)
    assert all(gone(p) for p in pids)
    it = iter(gud.DataLoader(Numbers(40), batch_size=2, num_workers=2))
    next(it)
    pids = [w.pid for w in it._workers]
    del it  # mid-epoch: __del__ stops and reaps them
    assert all(gone(p) for p in pids)


def test_persistent_workers_survive_epochs():
    loader = gud.DataLoader(Numbers(10), batch_size=3, shuffle=True, num_workers=2,
                            persistent_workers=True, generator=gt.Generator().manual_seed(0))
    epochs = []
    for _ in range(2):
        epochs.append([k for batch in loader for k in batch["y"].tolist()])
        pids = [w.pid for w in loader._iterator._workers]
        assert not any(gone(p) for p in pids)
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(10))
    assert epochs[0] != epochs[1]  # reshuffled
    assert [w.pid for w in loader._iterator._workers] == pids
    # break out early: answers still in flight must not leak into the next epoch
    for batch in loader:
        break
    assert sorted(k for batch in loader for k in batch["y"].tolist()) == list(range(10))
    del batch
    del loader
    assert all(gone(p) for p in pids)


def test_iterable_dataset_sharded_between_workers():
    loader = gud.DataLoader(ShardedStream(11), batch_size=2, num_workers=2)
    keys = [k for batch in loader for k in batch.tolist()]
    assert sorted(keys) == list(range(11))
    # batches alternate between workers: worker 0's first, worker 1's first, …
    assert keys[:4] == [0, 2, 1, 3]


def test_iterable_dataset_without_sharding_is_duplicated():
    keys = [k for b in gud.DataLoader(Unsplit(5), batch_size=2, num_workers=2)
            for k in b.tolist()]
    assert sorted(keys) == sorted(list(range(5)) * 2)  # PyTorch's documented pitfall


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_persistent_workers(drop_last):
    loader = gud.DataLoader(ShardedStream(9), batch_size=2, num_workers=2, drop_last=drop_last,
                            persistent_workers=True)
    first = sorted(k for b in loader for k in b.tolist())
    second = sorted(k for b in loader for k in b.tolist())
    assert first == second
    # worker 0 has 0,2,4,6,8 and worker 1 has 1,3,5,7: drop_last drops worker 0's last item
    assert first == (list(range(8)) if drop_last else list(range(9)))


def test_more_workers_than_cpus_warns_but_works():
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count()
    with pytest.warns(UserWarning, match="worker processes in total"):
        loader = gud.DataLoader(Numbers(6), batch_size=1, num_workers=cpus + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [b["y"].item() for b in loader] == list(range(6))


def test_spawn_context():
    loader = gud.DataLoader(Numbers(6), batch_size=3, num_workers=1,
                            multiprocessing_context="spawn")
    assert [b["y"].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]]


def test_iterator_cannot_be_pickled():
    import pickle
    it = iter(gud.DataLoader(Numbers(4), num_workers=1))
    with pytest.raises(NotImplementedError):
        pickle.dumps(it)
    del it


def test_iterator_dying_in_a_garbage_cycle_stops_its_workers_at_once():
    # e.g. an iterator referenced from a traceback: the cycle collector may close its pipes
    # before any __del__ could run; shutdown must still reach the workers (no 5 s join wait)
    import gc
    it = iter(gud.DataLoader(Numbers(40), batch_size=2, num_workers=2))
    next(it)
    workers = list(it._workers)
    cycle = [it]
    cycle.append(cycle)
    del it, cycle
    gc.collect()
    assert all(gone(w.pid) for w in workers)
    # exit code 0: each worker ended on the shutdown message, not terminated after the join
    # timeout (-SIGTERM) or killed (-SIGKILL)
    assert [w.exitcode for w in workers] == [0, 0]


class BlasThreads(gud.Dataset):
    def __getitem__(self, i):
        from threadpoolctl import threadpool_info
        # BLAS pools only: OpenMP runtimes loaded by other packages (torch, scikit-learn) are
        # not NumPy's and are left alone
        return max([p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
                   or [1])

    def __len__(self):
        return 2


def test_workers_use_one_blas_thread():
    pytest.importorskip("threadpoolctl")
    assert list(gud.DataLoader(BlasThreads(), batch_size=None, num_workers=2)) == [1, 1]


# ---------------------------------------------------------------------------------------------
# Faults while a batch is on its way: no fault in a worker may hang the loader. Batches of
# 32 MB cannot fit in the channel's buffer, so a worker is caught in the middle of sending one.
# ---------------------------------------------------------------------------------------------
BIG = 32 << 20


class BigBatches(gud.Dataset):
    """Item i: 32 MB of float64 all equal to i."""

    def __init__(self, n=4):
        self.n = n

    def __getitem__(self, i):
        return np.full(BIG // 8, i, dtype=np.float64)

    def __len__(self):
        return self.n


class Hung(Exception):
    pass


@contextlib.contextmanager
def fails_if_it_hangs(seconds=60):
    """Turn a hang into a test failure (SIGALRM interrupts even a blocking read)."""
    def alarm(signum, frame):
        raise Hung(f"still waiting after {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def wait_until_mid_send(it):
    """Wait until a worker is blocked in the middle of sending a batch: the channel's buffer
    holds part of it and the main process reads nothing (the rest cannot fit)."""
    fd = it._result_queue._reader.fileno()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = array.array("i", [0])
        fcntl.ioctl(fd, termios.FIONREAD, pending)
        if pending[0] >= 60000:
            time.sleep(0.05)  # let it fill completely
            return
        time.sleep(0.01)
    raise AssertionError("no worker started sending")


@pytest.mark.parametrize("timeout,persistent", [(5, False), (0, False), (5, True), (0, True)])
def test_worker_killed_while_sending_a_big_batch(timeout, persistent):
    loader = gud.DataLoader(BigBatches(), batch_size=None, num_workers=1, timeout=timeout,
                            persistent_workers=persistent)
    it = iter(loader)
    assert next(it)[0].item() == 0.0
    wait_until_mid_send(it)
    pid = it._workers[0].pid
    os.kill(pid, signal.SIGKILL)
    with fails_if_it_hangs():
        with pytest.raises(RuntimeError, match=rf"^DataLoader worker \(pid {pid}\) is killed "
                                               r"by signal: Killed\.$"):
            next(it)
    assert gone(pid)
    with pytest.raises(RuntimeError, match="shut down"):
        next(it)  # an error, not a read from a closed channel or a hang
    # the loader itself is fine: the next epoch starts new workers
    with fails_if_it_hangs():
        assert [batch[-1].item() for batch in loader] == [0.0, 1.0, 2.0, 3.0]


def test_killed_sender_with_a_sibling_waiting_to_send():
    # worker 1 waits for worker 0 to finish its frame; worker 0 dies in the middle of it
    it = iter(gud.DataLoader(BigBatches(8), batch_size=None, num_workers=2))
    assert next(it)[0].item() == 0.0
    wait_until_mid_send(it)
    pids = [w.pid for w in it._workers]
    os.kill(pids[0], signal.SIGKILL)  # the sender, or the one waiting: either way
    with fails_if_it_hangs():
        with pytest.raises(RuntimeError, match=rf"worker \(pid {pids[0]}\) is killed by signal"):
            for _ in it:  # a batch finished before the kill took effect may still come first
                pass
    assert all(gone(pid) for pid in pids)


def test_worker_stalled_mid_send_times_out_and_can_resume():
    it = iter(gud.DataLoader(BigBatches(), batch_size=None, num_workers=1, timeout=1))
    assert next(it)[0].item() == 0.0
    wait_until_mid_send(it)
    pid = it._workers[0].pid
    os.kill(pid, signal.SIGSTOP)  # alive, but its batch stops half-way
    try:
        with fails_if_it_hangs():
            with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 1 seconds$"):
                next(it)
    finally:
        os.kill(pid, signal.SIGCONT)
    # what had arrived was kept: the rest of the batch completes it
    with fails_if_it_hangs():
        assert [batch[-1].item() for batch in it] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("persistent", [False, True])
def test_main_process_interrupted_while_receiving(persistent):
    loader = gud.DataLoader(BigBatches(), batch_size=None, num_workers=1,
                            persistent_workers=persistent)
    it = iter(loader)
    assert next(it)[0].item() == 0.0
    wait_until_mid_send(it)
    pid = it._workers[0].pid
    os.kill(pid, signal.SIGSTOP)

    def interrupt_then_resume_worker():
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the batch is half received
        time.sleep(0.3)
        os.kill(pid, signal.SIGCONT)
    threading.Thread(target=interrupt_then_resume_worker).start()
    with fails_if_it_hangs():
        with pytest.raises(KeyboardInterrupt):
            next(it)
    # the channel may have stopped inside a batch: the iterator is shut down, not corrupted
    assert gone(pid)
    with pytest.raises(RuntimeError, match="shut down"):
        next(it)
    with fails_if_it_hangs():
        assert [batch[-1].item() for batch in loader] == [0.0, 1.0, 2.0, 3.0]


def ignore_sigterm(worker_id):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def test_stuck_worker_that_ignores_sigterm_is_still_stopped(monkeypatch):
    monkeypatch.setattr(gud.dataloader, "_JOIN_TIMEOUT", 0.5)  # (not 5 s, to keep this short)
    it = iter(gud.DataLoader(Numbers(8, slow={5}, sleep=600), batch_size=1, num_workers=1,
                             worker_init_fn=ignore_sigterm))
    assert next(it)["y"].item() == 0
    pid = it._workers[0].pid
    with fails_if_it_hangs():
        del it
    assert gone(pid)
