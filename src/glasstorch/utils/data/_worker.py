"""What runs inside a DataLoader worker process, and the pieces both sides share.

- Fetchers turn one entry of the index sampler (a key, or a list of keys when batching) into a
  collated batch; the in-process loader (num_workers=0) uses them too.
- `_worker_loop` is a worker's whole life: seed the RNGs, call `worker_init_fn`, then answer
  (task_id, keys) messages from its own index queue with (task_id, batch) on the shared result
  queue until it is told to stop (None) or its parent process disappears.
- An exception in a worker travels back as an `ExceptionWrapper` (type + formatted traceback)
  and is re-raised in the main process as the same type.
"""
import contextlib
import os
import pickle
import queue
import random
import socket
import struct
import sys
import time
import traceback
from dataclasses import dataclass

from ... import _backend
from ..._backend import xp
from ._collate import default_collate, gather_rows

# How long a worker waits on its index queue before checking that its parent is still alive.
_PARENT_CHECK_INTERVAL = 1.0
# How long a worker waits to send (on the lock or a full channel) between the same checks.
_SEND_SLICE = 0.1
# A result's frame on the channel starts with the length of its pickle.
_FRAME_HEADER = struct.Struct("<Q")


# ---------------------------------------------------------------------------------------------
# worker info
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkerInfo:
    """Who this worker is: `id` (0..num_workers-1), `num_workers`, the `seed` its RNGs got, and
    `dataset`, this process's own copy of the dataset. Read-only."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker process; None in the main process.
    IterableDatasets use it in `__iter__` to give each worker its own share of the stream."""
    return _worker_info


# ---------------------------------------------------------------------------------------------
# exceptions crossing the process boundary
# ---------------------------------------------------------------------------------------------
class ExceptionWrapper:
    """An exception caught in a worker: its type and its traceback as text (traceback objects
    cannot be pickled). `reraise()` raises it again in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        exc_type, exc_value, tb = exc_info or sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, tb))
        self.where = where
        try:
            pickle.dumps(exc_type)
        except Exception:
            self.exc_type = RuntimeError  # e.g. a class defined inside a function

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError would print the repr, escaping the newlines
        try:
            exception = self.exc_type(msg)
        except Exception:
            # the type needs other constructor arguments: keep the message, lose the type
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    def __repr__(self):
        return str(self)


# ---------------------------------------------------------------------------------------------
# messages between the main process and the workers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset has run out."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of an epoch; they echo it back when ready."""


class _ResultQueue:
    """The one channel every worker writes results to and the main process reads from: a
    connected pair of stream sockets, plus a lock that lets one writer at a time send a whole
    result.

    A result travels as one frame: its pickle's length (8 bytes) then the pickle. Neither side
    ever blocks for long. Reading and writing go in slices of at most a given time, so that
    between slices the reader can check that the workers are alive (a worker killed half-way
    through sending a 32 MB batch is an error, not a read waiting forever for the rest) and a
    writer that the main process is still there. A frame received in part is kept for the
    next `get`. Unlike multiprocessing.Queue there is no feeder thread: `put` pickles in the
    caller, so a result that cannot be pickled raises inside the worker (which reports it)
    instead of being dropped silently and leaving the main process waiting forever."""

    def __init__(self, context):
        self._reader, self._writer = socket.socketpair()
        self._lock = context.Lock()
        self._header = bytearray(_FRAME_HEADER.size)  # the frame being received:
        self._body = None  # its pickle once the header is in,
        self._received = 0  # and how many bytes of the current part have arrived

    def __getstate__(self):
        # what a spawned worker gets: the writing end only
        return {"_writer": self._writer, "_lock": self._lock}

    def put(self, obj, abandon):
        """Send `obj` as one frame; False if it was abandoned because `abandon()`, asked while
        the lock or the channel is busy, said that nobody will read it any more."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        while not self._lock.acquire(timeout=_SEND_SLICE):
            if abandon():
                return False
        try:
            self._writer.settimeout(_SEND_SLICE)
            for part in (_FRAME_HEADER.pack(len(data)), data):
                view = memoryview(part)
                while view:
                    try:
                        view = view[self._writer.send(view):]
                    except TimeoutError:
                        if abandon():
                            return False
        except (BrokenPipeError, ConnectionResetError):
            return False  # the reading end is closed: the main process is gone
        finally:
            self._lock.release()
        return True

    def get(self, timeout):
        """The next result; queue.Empty if it has not arrived in full within `timeout` seconds
        (what has arrived is kept for the next call)."""
        deadline = time.monotonic() + timeout
        if self._body is None:
            if not self._receive(self._header, deadline):
                raise queue.Empty
            self._body = bytearray(_FRAME_HEADER.unpack(self._header)[0])
            self._received = 0
        if not self._receive(self._body, deadline):
            raise queue.Empty
        body, self._body, self._received = self._body, None, 0
        return pickle.loads(body)

    def _receive(self, buffer, deadline):
        """Fill `buffer` from where the last call stopped; False if time ran out first."""
        view = memoryview(buffer)
        while self._received < len(buffer):
            self._reader.settimeout(max(0.0, deadline - time.monotonic()))
            try:
                n = self._reader.recv_into(view[self._received:])
            except (BlockingIOError, TimeoutError):
                return False
            if n == 0:
                raise EOFError("every worker closed the result channel")
            self._received += n
        return True

    def drain(self, timeout):
        """Read and drop whatever arrives within `timeout` (at shutdown, so that no worker
        stays blocked writing a batch that nobody will read)."""
        self._reader.settimeout(timeout)
        with contextlib.suppress(BlockingIOError, TimeoutError):
            self._reader.recv(1 << 20)

    def close(self):
        self._reader.close()
        self._writer.close()


# ---------------------------------------------------------------------------------------------
# fetchers: sampler entry -> batch
# ---------------------------------------------------------------------------------------------
class _MapDatasetFetcher:
    """For map-style datasets: look up every key, then collate."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        # TensorDataset + default_collate can skip the per-item loop (see gather_rows)
        self._gather = auto_collation and collate_fn is default_collate

    def fetch(self, keys):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[keys])
        if self._gather:
            batch = gather_rows(self.dataset, keys)
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(keys) if callable(getitems) else [self.dataset[k] for k in keys]
        return self.collate_fn(samples)


class _IterableDatasetFetcher:
    """For IterableDatasets: take the next len(keys) samples from the stream (the keys are
    placeholders); StopIteration when the stream is exhausted, or when `drop_last` and only a
    partial batch is left."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.stream = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, keys):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.stream))
        samples = []
        for _ in keys:
            try:
                samples.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(keys)):
            raise StopIteration
        return self.collate_fn(samples)


def make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    fetcher = _IterableDatasetFetcher if iterable else _MapDatasetFetcher
    return fetcher(dataset, auto_collation, collate_fn, drop_last)


# ---------------------------------------------------------------------------------------------
# the worker process
# ---------------------------------------------------------------------------------------------
def _seed_worker(seed):
    """Give this worker its own random streams: Python's `random`, NumPy's global RNG and
    glasstorch's default generator all start from `seed` (= base_seed + worker_id), so workers
    do not produce identical "random" augmentations (a classic fork pitfall)."""
    random.seed(seed)
    xp.random.seed(seed % (1 << 32))
    _backend.default_generator.manual_seed(seed)


_blas = None  # threadpoolctl's controller (False if unavailable), found once per process


def blas_controller():
    """threadpoolctl's handle on the loaded BLAS libraries, or False without threadpoolctl.
    The main process finds it before starting workers, so forked workers inherit it and only
    pay for one cheap call instead of a library scan each."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas = False
        else:
            _blas = ThreadpoolController()
    return _blas


def _one_blas_thread():
    """Let this worker's NumPy use one BLAS thread, as PyTorch gives each worker one thread:
    N workers each starting a thread per core would oversubscribe the CPUs. Done through
    threadpoolctl when it is installed; without it the thread counts are left alone."""
    controller = blas_controller()
    if controller:
        controller.limit(limits=1)


def _worker_loop(iterable, dataset, index_queue, result_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers):
    """Body of worker process `worker_id`. Tasks arrive on `index_queue` as (task_id, keys);
    answers go to `result_queue` as (task_id, batch or ExceptionWrapper or stop marker)."""
    global _worker_info
    parent = os.getppid()

    def nobody_reads():  # the main process is gone, or shutting down
        return done_event.is_set() or os.getppid() != parent

    try:
        _one_blas_thread()
        seed = base_seed + worker_id
        _seed_worker(seed)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)  # reported as the answer to every task
        exhausted = False
        while True:
            try:
                message = index_queue.get(timeout=_PARENT_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died: nobody will stop us
                    break
                continue
            if message is None:  # shutdown
                break
            if isinstance(message, _ResumeIteration):  # next epoch for persistent workers
                if init_error is None:
                    try:  # restarts an IterableDataset's stream
                        fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn,
                                               drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=where)
                exhausted = False
                if not result_queue.put((message, None), nobody_reads):
                    break
                continue
            if done_event.is_set() or exhausted:
                continue  # shutting down, or nothing left to give: skip the task
            task_id, keys = message
            if init_error is not None:
                result = init_error
            else:
                try:
                    result = fetcher.fetch(keys)
                except StopIteration:
                    if not iterable:
                        result = ExceptionWrapper(where=where)
                    else:
                        result = _IterableDatasetStopIteration(worker_id)
                        exhausted = True
                except Exception:
                    result = ExceptionWrapper(where=where)
            if done_event.is_set():
                continue  # the main process is no longer reading
            try:
                sent = result_queue.put((task_id, result), nobody_reads)
            except Exception:  # the batch could not be pickled: report that instead
                sent = result_queue.put((task_id, ExceptionWrapper(where=where)), nobody_reads)
            del result, keys, message  # don't hold a batch's memory while waiting
            if not sent:
                break
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches every process in the group; the main process reports it
