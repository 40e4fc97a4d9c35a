"""DataLoader: iterate over a dataset in (shuffled) batches, in this process or in workers.

How the pieces fit:
    sampler (keys) -> BatchSampler (lists of keys) -> fetcher: dataset[key]… + collate_fn
With num_workers=0 the fetcher runs here. With num_workers=N, N worker processes each run
`_worker.py`'s loop: the main process sends (task_id, keys) round-robin to each worker's own
index queue, keeping `prefetch_factor` tasks per worker in flight; workers send (task_id,
batch) back on one shared result queue. Results can arrive out of order, so early ones wait in
a reorder buffer until their turn (unless in_order=False). While waiting, the main process polls
with a short timeout and checks the workers are alive, so a crashed worker is an error within a
fraction of a second, never a hang, even when it dies half-way through sending a batch (see
_worker._ResultQueue).
"""
import itertools
import math
import multiprocessing
import os
import queue
import signal
import sys
import time
import warnings
import weakref

from ..._backend import rng_of
from ._collate import default_collate, default_convert
from ._worker import (ExceptionWrapper, _IterableDatasetStopIteration, _ResultQueue,
                      _ResumeIteration, _worker_loop, blas_controller, make_fetcher)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

# How often the main process wakes up while waiting for a batch to check on its workers.
_POLL_INTERVAL = 0.1
# How long shutdown waits for a worker to exit by itself before terminating it.
_JOIN_TIMEOUT = 5.0


class _InfiniteConstantSampler(Sampler):
    """Placeholder keys (None, forever) for IterableDatasets, which ignore keys: it only sets
    how many samples each batch takes from the stream."""

    def __iter__(self):
        while True:
            yield None


def _default_context():
    # fork on Linux (the platform default there before Python 3.14): no pickling of the
    # dataset, fast start, and datasets defined in a script or notebook just work.
    # Elsewhere the platform's default (spawn on macOS and Windows).
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader:
    """Batches of samples from `dataset`, as an iterable you loop over once per epoch.

    Same arguments, defaults and validation as torch.utils.data.DataLoader. `shuffle=True`
    draws a new order each epoch (from `generator`); `batch_size=None` turns batching off (each
    sample goes through `default_convert`); `num_workers>0` loads in worker processes (see the
    module docstring), each seeded with base_seed + worker_id."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        object.__setattr__(self, "_initialized", False)
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        # An IterableDataset decides its own order: a sampler or shuffle cannot apply to it.
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self._iterator = None
        self._initialized = True
        self.check_worker_number_rationality()

    # ------------------------------------------------------------------ configuration
    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r}, but got "
                                     f"multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context "
                                f"object or a string specifying the start method, but got "
                                f"multiprocessing_context={context}")
        object.__setattr__(self, "_multiprocessing_context", context)

    def __setattr__(self, name, value):
        # changing these would desynchronise the samplers built in __init__ (PyTorch forbids it)
        if self._initialized and name in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                          "dataset", "persistent_workers"):
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        """What the fetcher is fed: lists of keys when batching, single keys otherwise."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def check_worker_number_rationality(self):
        """Warn (as PyTorch does) when asking for more workers than this process may use CPUs."""
        if not self.num_workers:
            return
        cpus = _cpu_count()
        if cpus is None or self.num_workers > cpus:
            cpuset = "" if hasattr(os, "sched_getaffinity") else \
                " (`cpuset` is not taken into account)"
            suggestion = ("DataLoader is not able to compute a suggested max number of worker in "
                          "current system." if cpus is None else
                          f"Our suggested max number of worker in current system is {cpus}"
                          f"{cpuset}, which is smaller than what this DataLoader is going to "
                          f"create.")
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                          f"total. {suggestion} Please be aware that excessive worker creation "
                          f"might get DataLoader running slow or even freeze, lower the worker "
                          f"number to avoid potential slowness/freeze if necessary.",
                          stacklevel=3)

    # ------------------------------------------------------------------ iteration
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        # Persistent workers: one iterator (and one set of processes) for the loader's lifetime,
        # rewound at each epoch. Otherwise a fresh iterator per epoch.
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._shutdown:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        """Number of batches per epoch. For an IterableDataset this is computed from
        len(dataset) (TypeError if it has none) and is only as right as that length."""
        if self._iterable:
            length = len(self.dataset)
            self._IterableDataset_len_called = length
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)


class _BaseDataLoaderIter:
    """One pass over the loader. Copies what it needs from the loader instead of keeping a
    reference to it, so dropping the iterator frees it (and its workers) at once."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        # one draw from the loader's generator per iterator: worker w seeds itself with
        # base_seed + w, so epochs and workers all get different random streams
        self._base_seed = int(rng_of(loader.generator).integers(0, 1 << 63))
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)

    def __iter__(self):
        return self

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._iterable and self._len_called is not None \
                and self._num_yielded > self._len_called:
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be "
                          f"{self._len_called}(when accessing len(dataloader)), but "
                          f"{self._num_yielded} samples have been fetched. ", stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """num_workers=0: fetch and collate in this process, one batch per `next`."""

    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = make_fetcher(self._iterable, self._dataset, self._auto_collation,
                                     self._collate_fn, self._drop_last)

    def _next_data(self):
        keys = next(self._sampler_iter)  # StopIteration ends the epoch
        return self._fetcher.fetch(keys)  # so does an exhausted IterableDataset


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """num_workers>0: worker processes fetch and collate; this side hands out tasks, reorders
    the answers and watches the workers. Task ids count up from 0 each epoch:
    `_send_idx` is the next id to hand out, `_rcvd_idx` the next id to return to the user."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        context = loader.multiprocessing_context or _default_context()
        blas_controller()  # look the BLAS libraries up once, here, for every forked worker
        self._done_event = context.Event()
        self._result_queue = _ResultQueue(context)
        self._index_queues, self._workers = [], []
        self._stopped = []  # per worker: told to exit (so its exit is expected)
        self._next_check = 0.0  # when to check the workers are alive even if batches flow
        # Stops the workers when this iterator is garbage (or at interpreter exit), once.
        self._finalizer = weakref.finalize(self, _stop_workers, os.getpid(), self._workers,
                                           self._index_queues, self._result_queue,
                                           self._done_event, self._stopped)
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            worker = context.Process(
                target=_worker_loop, daemon=True,  # daemon: never outlive the main process
                args=(self._iterable, self._dataset, index_queue, self._result_queue,
                      self._done_event, self._auto_collation, self._collate_fn,
                      self._drop_last, self._base_seed, loader.worker_init_fn, worker_id,
                      self._num_workers))
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
            self._stopped.append(False)
        self._reset(loader, first_epoch=True)

    def _reset(self, loader, first_epoch=False):
        super()._reset(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_worker = {}  # task id -> worker, for every task not yet returned
        self._early = {}  # task id -> result that arrived before its turn (reorder buffer)
        self._active = [True] * self._num_workers  # False once a worker's stream ran out
        self._next_worker = itertools.cycle(range(self._num_workers))
        if not first_epoch:
            # Persistent workers: ask each to restart its fetcher, and wait for every echo.
            # Answers to last epoch's unfinished tasks come before the echo and are dropped.
            for index_queue in self._index_queues:
                index_queue.put(_ResumeIteration())
            waiting = self._num_workers
            while waiting:
                task_id, _ = self._get_data()
                if isinstance(task_id, _ResumeIteration):
                    waiting -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        """Send the next task to the next worker (round-robin) that still has data."""
        try:
            keys = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._next_worker)
            if self._active[worker_id]:
                break
        else:
            return  # every worker's stream has ended
        self._index_queues[worker_id].put((self._send_idx, keys))
        self._task_worker[self._send_idx] = worker_id
        self._send_idx += 1

    def _next_data(self):
        while True:
            # Move past tasks that will never be returned here: already returned out of order
            # (in_order=False), or queued on a worker whose stream has ended.
            while self._rcvd_idx < self._send_idx:
                worker_id = self._task_worker.get(self._rcvd_idx)
                if worker_id is not None and (self._active[worker_id]
                                              or self._rcvd_idx in self._early):
                    break
                self._task_worker.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:  # nothing in flight and nothing left to send: the epoch is over
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if self._rcvd_idx in self._early:
                return self._deliver(self._rcvd_idx, self._early.pop(self._rcvd_idx))
            task_id, result = self._get_data()
            if isinstance(result, _IterableDatasetStopIteration):
                self._active[result.worker_id] = False
                if not self._persistent_workers:  # it has nothing more to do: let it exit
                    self._index_queues[result.worker_id].put(None)
                    self._stopped[result.worker_id] = True
                self._try_put_index()  # keep the same number of tasks in flight
                continue
            if task_id == self._rcvd_idx or not self._in_order:
                return self._deliver(task_id, result)
            self._early[task_id] = result

    def _deliver(self, task_id, result):
        """Hand one result to the user: book-keep, top up the pipeline, re-raise errors."""
        del self._task_worker[task_id]
        self._try_put_index()
        if isinstance(result, ExceptionWrapper):
            result.reraise()
        return result

    def _get_data(self):
        """The next (task_id, result) from any worker. Waits in short slices so that a dead
        worker or an expired `timeout` becomes a RuntimeError instead of a hang, even in the
        middle of a batch."""
        if self._shutdown:
            raise RuntimeError("this DataLoader iterator was shut down after an error or an "
                               "interruption; start a new one (for batch in loader: ...)")
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                data = self._result_queue.get(wait)
            except queue.Empty:
                data = None
            except BaseException:
                # e.g. Ctrl-C: the channel may have stopped inside a batch, where no later read
                # could find the next one's start. Stop the workers; a new iterator starts anew.
                self._shutdown_workers()
                raise
            if data is None or time.monotonic() >= self._next_check:
                # also with a batch in hand (as PyTorch's SIGCHLD handler), a few times a second
                self._check_workers_alive()
                self._next_check = time.monotonic() + _POLL_INTERVAL
            if data is not None:
                return data
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _check_workers_alive(self):
        dead = [w for w, stopped in zip(self._workers, self._stopped)
                if not stopped and not w.is_alive()]
        if dead:
            self._shutdown_workers()
            raise RuntimeError(" ".join(_death_notice(w.pid, w.exitcode) for w in dead))

    def _shutdown_workers(self):
        """Stop every worker and release the queues. Safe to call more than once."""
        self._finalizer()

    @property
    def _shutdown(self):
        return not self._finalizer.alive


def _death_notice(pid, exitcode):
    """PyTorch's words for a worker that died without being asked to."""
    if exitcode is not None and exitcode < 0:
        return f"DataLoader worker (pid {pid}) is killed by signal: {signal.strsignal(-exitcode)}."
    return (f"DataLoader worker (pid {pid}) exited unexpectedly with exit code {exitcode}. "
            "Details are lost due to multiprocessing. Rerunning with num_workers=0 may give "
            "better error trace.")


def _stop_workers(owner_pid, workers, index_queues, result_queue, done_event, stopped):
    """Stop `workers`, reap them and close the queues.

    This is a plain function registered with weakref.finalize rather than a __del__ method:
    the finalizer keeps the processes and queues alive until it has run, so it works even when
    the iterator dies inside a garbage cycle (say, held by a traceback), where Python may
    already have closed the pipes' file descriptors before calling __del__."""
    if os.getpid() != owner_pid:
        # With fork, child processes (other loaders' workers) inherit a copy of the iterator;
        # only the process that started the workers may stop them.
        return
    done_event.set()  # workers now skip any task still queued
    for index_queue, was_stopped in zip(index_queues, stopped):
        if not was_stopped:
            index_queue.put(None)
    deadline = time.monotonic() + _JOIN_TIMEOUT
    try:
        # drain results nobody will read, so no worker stays blocked writing into a full channel
        while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
            result_queue.drain(0.01)
    except OSError:
        pass
    for worker in workers:
        if worker.is_alive():  # stuck (e.g. in a very long __getitem__)
            worker.terminate()
            worker.join(_JOIN_TIMEOUT)
        if worker.is_alive():  # and deaf to SIGTERM
            worker.kill()
        worker.join()  # reap: no zombie processes
    for index_queue in index_queues:
        index_queue.cancel_join_thread()
        index_queue.close()
    result_queue.close()
