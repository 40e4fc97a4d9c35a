"""Random numbers: seeding and RNG state, the sampling factories (rand, randn, randint, normal,
randperm, bernoulli, multinomial, poisson) and the in-place fillers (uniform_, normal_, …).

Every draw comes from one NumPy PCG64 generator (`_backend.default_generator`) unless a
`generator=` is passed. The streams differ from PyTorch's (a different algorithm), so the same
seed gives other numbers than in PyTorch, but the same numbers on every glasstorch run.
Sampled tensors are constants: they never require grad unless asked to.
"""

from .. import _backend
from .._backend import xp, rng_of, default_generator, scalar_name
from .._tensor import Tensor, _make, Size
from .creation import _resolve_dtype, _size, _finish, _out_dtype
from .inplace import check_inplace_allowed
from . import _either as either


# ---------------------------------------------------------------------------------------------
# seeding and state
# ---------------------------------------------------------------------------------------------
def manual_seed(seed):
    """Seed the default generator (makes every later draw reproducible); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from OS entropy; returns the seed used."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


# PCG64's state is two 128-bit integers plus a buffered 32-bit half-draw; packed as bytes it
# fits in a uint8 tensor, which is what PyTorch's get_rng_state returns.
_STATE_BYTES = 16 + 16 + 1 + 4


def get_rng_state():
    """The default generator's state as a uint8 tensor (give it to set_rng_state to rewind)."""
    state = default_generator.get_state()
    packed = (state["state"]["state"].to_bytes(16, "little")
              + state["state"]["inc"].to_bytes(16, "little")
              + bytes([state["has_uint32"]])
              + state["uinteger"].to_bytes(4, "little"))
    return _make(xp.frombuffer(packed, dtype=xp.uint8).copy())


def set_rng_state(new_state):
    """Restore a state returned by get_rng_state (a uint8 tensor)."""
    if not isinstance(new_state, Tensor) or new_state._data.dtype != xp.uint8:
        kind = new_state.type() if isinstance(new_state, Tensor) else type(new_state).__name__
        raise TypeError(f"expected a torch.ByteTensor, but got {kind}")
    if new_state._data.size != _STATE_BYTES:
        raise RuntimeError(f"Expected either a PhiloxCudaState or a CPUGeneratorImplState of "
                           f"size {_STATE_BYTES}, got a tensor of {new_state._data.size} bytes")
    raw = new_state._data.reshape(-1).tobytes()
    default_generator.set_state({
        "bit_generator": "PCG64",
        "state": {"state": int.from_bytes(raw[0:16], "little"),
                  "inc": int.from_bytes(raw[16:32], "little")},
        "has_uint32": raw[32],
        "uinteger": int.from_bytes(raw[33:37], "little"),
    })


# ---------------------------------------------------------------------------------------------
# sampling helpers
# ---------------------------------------------------------------------------------------------
def _float_dtype(dtype, kernel):
    """The dtype of a float-only sampler (rand, randn …); integer dtypes have no kernel."""
    dtype = _resolve_dtype(dtype) or _backend.get_default_dtype()
    if dtype.kind != 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(dtype)}'")
    return dtype


def _uniform(rng, shape, np_dtype):
    """Uniform [0, 1) draws in `np_dtype`, generated natively for float32/float64 (no cast)."""
    if np_dtype in (xp.float32, xp.float64):
        return rng.random(shape, dtype=np_dtype)
    # float16 has 11 significant bits: draw multiples of 2^-11 so rounding can't reach 1.0
    return (xp.floor(rng.random(shape) * 2048) / 2048).astype(np_dtype)


def _normal(rng, shape, np_dtype):
    if np_dtype in (xp.float32, xp.float64):
        return rng.standard_normal(shape, dtype=np_dtype)
    return rng.standard_normal(shape).astype(np_dtype)


def _sizes(size, kwargs, name):
    """Sizes come as varargs (2, 3), one tuple/list/Size, or `size=` (found in **kwargs, since
    a keyword cannot share the varargs' name): randn(2, 3), randn((2, 3)), randn(size=(2, 3))."""
    if "size" in kwargs:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return _size(size)


# ---------------------------------------------------------------------------------------------
# factories
# ---------------------------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kwargs):
    """Uniform samples on [0, 1) of the given size (default float dtype)."""
    size = _sizes(size, kwargs, "rand")
    dtype = _float_dtype(dtype or _out_dtype(out), "check_uniform_bounds")
    return _finish(_uniform(rng_of(generator), size, dtype.np), requires_grad, device, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kwargs):
    """Standard normal samples (mean 0, variance 1) of the given size."""
    size = _sizes(size, kwargs, "randn")
    dtype = _float_dtype(dtype or _out_dtype(out), "normal_kernel_cpu")
    return _finish(_normal(rng_of(generator), size, dtype.np), requires_grad, device, out)


def _integers(rng, low, high, shape, dtype):
    """Uniform integers in [low, high) stored as `dtype` (an int draw even for float dtypes)."""
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    return rng.integers(low, high, size=shape, dtype=xp.int64).astype(dtype.np, copy=False)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Uniform integers in [low, high): randint(high, size) or randint(low, high, size).
    int64 unless `dtype` says otherwise."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list, Size)):
        size = args.pop()
    if size is None:
        raise TypeError("randint() missing required argument 'size' (a tuple of ints)")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"randint() received an invalid combination of arguments: {args}")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    dtype = _resolve_dtype(dtype) or _backend.int64
    arr = _integers(rng_of(generator), 0 if low is None else low, high, _size((size,)), dtype)
    return _finish(arr, requires_grad, device, out)


def _like_dtype(input, dtype):
    return _resolve_dtype(dtype) or input.dtype


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """rand with the shape (and by default the dtype) of `input`."""
    return rand(tuple(input.shape), dtype=_like_dtype(input, dtype), device=device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """randn with the shape (and by default the dtype) of `input`."""
    return randn(tuple(input.shape), dtype=_like_dtype(input, dtype), device=device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """randint with the shape and dtype of `input`: randint_like(x, high) or (x, low, high)."""
    if high is None:
        low, high = 0, low
    arr = _integers(rng_of(generator), low, high, input._data.shape, _like_dtype(input, dtype))
    return _finish(arr, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False):
    """Normal samples with the given mean and standard deviation. Overloads: tensor mean and/or
    tensor std (the result has their broadcast shape and float dtype), or float mean and std
    with a `size`."""
    rng = rng_of(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with float "
                            "mean and std a size is required")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        arr = _normal(rng, _size((size,)), dtype.np)
        return _finish(_affine(arr, mean, std), requires_grad, device, out)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        if t._data.dtype.kind not in "fc":
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for "
                                      f"'{scalar_name(t.dtype)}'")
    if isinstance(std, Tensor) and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dtype = _backend.result_type(*tensors)
    m, s = either.raw(mean), either.raw(std)
    shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
    arr = _affine(_normal(rng, shape, dtype.np), m, s).astype(dtype.np, copy=False)
    return _finish(arr, False, device, out)


def _affine(z, mean, std):
    """mean + std * z, skipping the arithmetic that would be a no-op."""
    if not (isinstance(std, (int, float)) and std == 1):
        z = z * std
    if not (isinstance(mean, (int, float)) and mean == 0):
        z = z + mean
    return z


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1 (int64 by default)."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dtype = _resolve_dtype(dtype) or _backend.int64
    arr = rng_of(generator).permutation(int(n)).astype(dtype.np)
    return _finish(arr, requires_grad, device, out)


def _check_probs(p):
    if isinstance(p, Tensor):
        p = p._data
    bad = (p < 0) | (p > 1) | (p != p)       # p != p catches nan
    if xp.any(bad):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                           "(bernoulli probabilities must lie in [0, 1])")
    return p


def bernoulli(input, p=None, *, generator=None, out=None):
    """Draws 1 with probability input[i] (or with probability `p` for every element when p is
    given), else 0. Result has input's shape and dtype."""
    probs = _check_probs(input._data if p is None else p)
    draws = rng_of(generator).random(input._data.shape) < probs
    return _finish(draws.astype(input._data.dtype), False, None, out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices drawn from each row of (unnormalised) probabilities `input`: shape
    (C,) -> (num_samples,), (R, C) -> (R, num_samples), int64. Without replacement each
    category is drawn at most once (zero-probability ones only after all the others)."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {input.ndim}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{scalar_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = xp.atleast_2d(input._data).astype(xp.float64)
    rows, cats = probs.shape
    if not replacement and num_samples > cats:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, size={cats})")
    if not xp.all(xp.isfinite(probs)) or xp.any(probs < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if xp.any(probs.sum(-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = rng_of(generator)
    if replacement:
        # inverse-CDF sampling for all rows at once: shift row r's CDF into [r, r + 1) so one
        # sorted search over the flattened CDFs serves every row
        cdf = xp.cumsum(probs, axis=-1)
        cdf /= cdf[:, -1:]               # x / x is exactly 1, so draws < 1 never overrun
        offsets = xp.arange(rows)[:, None]
        u = rng.random((rows, num_samples)) + offsets
        idx = xp.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right")
        samples = idx.reshape(rows, num_samples) - offsets * cats
    else:
        # "exponential race": category i finishes at time E_i / p_i with E_i ~ Exp(1); the
        # first k finishers are a draw of k categories without replacement
        with xp.errstate(divide="ignore"):
            keys = rng.standard_exponential((rows, cats)) / probs
        samples = xp.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    samples = samples.astype(xp.int64)
    return _finish(samples if input.ndim == 2 else samples[0], False, None, out)


def poisson(input, generator=None):
    """Poisson samples with rates `input` (same shape and dtype)."""
    if xp.any(input._data < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    draws = rng_of(generator).poisson(input._data)
    return _make(draws.astype(input._data.dtype))


# ---------------------------------------------------------------------------------------------
# in-place fillers: Tensor.uniform_, normal_, random_, …  (return self)
# ---------------------------------------------------------------------------------------------
def _fill(self, values):
    """Write sampled `values` into self's memory (views see it) and bump its version."""
    check_inplace_allowed(self)
    self._data[...] = values
    self._bump_version()
    return self


def _float_self(self, kernel):
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{scalar_name(self.dtype)}'")


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with uniform samples on [from, to)."""
    from_ = kwargs.pop("from", from_)
    _float_self(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    u = _uniform(rng_of(generator), self._data.shape, self._data.dtype)
    return _fill(self, _affine(u, from_, to - from_))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples of the given mean and standard deviation."""
    _float_self(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill(self, _affine(_normal(rng_of(generator), self._data.shape, self._data.dtype),
                               mean, std))


def _random_upper(np_dtype):
    """Exclusive upper bound of random_() with no bounds: every integer the dtype holds
    exactly (2^mantissa + 1 for floats, the maximum for integers)."""
    if np_dtype.kind == "f":
        return 2 ** (xp.finfo(np_dtype).nmant + 1) + 1
    if np_dtype.kind == "b":
        return 2
    return int(xp.iinfo(np_dtype).max) + 1


def random_(self, *args, generator=None, **kwargs):
    """Fill with uniform integers: random_() over the dtype's exact-integer range,
    random_(to) on [0, to), random_(from, to) on [from, to) (to=None: up to the dtype's max)."""
    if "from" in kwargs or "to" in kwargs:
        low, high = kwargs.get("from", 0), kwargs.get("to")
    elif len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = 0, args[0]
    else:
        low, high = 0, None
    if high is None:
        high = _random_upper(self._data.dtype)
    draws = rng_of(generator).integers(int(low), int(high), size=self._data.shape,
                                       dtype=xp.int64) if low < high else None
    if draws is None:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    return _fill(self, draws)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 (probability p; a float or a tensor broadcastable to self) or 0."""
    probs = _check_probs(either.raw(p))
    return _fill(self, rng_of(generator).random(self._data.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate `lambd` (mean 1 / lambd)."""
    _float_self(self, "exponential_cpu")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    e = rng_of(generator).standard_exponential(self._data.shape)
    return _fill(self, e / lambd)


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to and including the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill(self, rng_of(generator).geometric(p, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std^2)) samples."""
    _float_self(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill(self, rng_of(generator).lognormal(mean, std, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy samples: median + sigma * tan(pi * (u - 1/2))."""
    _float_self(self, "cauchy_cpu")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill(self, median + sigma * rng_of(generator).standard_cauchy(self._data.shape))
