"""softmax, log_softmax and cross_entropy, forward + backward (and softmax forward alone under
no_grad), on classifier-shaped (N, C) logits and attention-shaped (B, H, L, L) scores.

Each workload repeats the op `inner` times per timed run so that small shapes are not lost in
timer noise; the inputs are built once, outside the timed part."""
import common  # noqa: F401  (pins threads before NumPy loads)
import numpy as np

from common import compare

CLASSIFIER_SHAPES = [(64, 10), (256, 10), (1024, 10), (128, 100), (1024, 100), (128, 1000),
                     (512, 1000)]
ATTENTION_SHAPES = [(8, 4, 64, 64), (4, 8, 128, 128)]


def _inner(shape):
    """Repetitions per timed run: about 2M elements' worth of work, at most 200 calls."""
    return int(min(200, max(1, 2_000_000 // np.prod(shape))))


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3).astype(np.float32)


def activation_fwd_bwd(fname, shape):
    """x.grad of F.<fname>(x, dim=-1) under a random upstream gradient."""
    inner = _inner(shape)

    def make(torch):
        fn = getattr(torch.nn.functional, fname)
        x = torch.tensor(_data(shape), requires_grad=True)
        g = torch.tensor(_data(shape, seed=1))

        def run():
            for _ in range(inner):
                x.grad = None
                fn(x, dim=-1).backward(g)
            return x.grad
        return run
    return make


def softmax_no_grad(shape):
    """F.softmax(x, dim=-1) with autograd off (inference, attention weights)."""
    inner = _inner(shape)

    def make(torch):
        x = torch.tensor(_data(shape))

        def run():
            with torch.no_grad():
                for _ in range(inner):
                    out = torch.nn.functional.softmax(x, dim=-1)
            return out
        return run
    return make


def cross_entropy_fwd_bwd(shape):
    """Mean cross entropy of (N, C) logits against class indices; returns the logits' grad."""
    inner = _inner(shape)
    n, c = shape

    def make(torch):
        x = torch.tensor(_data(shape), requires_grad=True)
        t = torch.tensor(np.random.default_rng(2).integers(0, c, n))

        def run():
            for _ in range(inner):
                x.grad = None
                torch.nn.functional.cross_entropy(x, t).backward()
            return x.grad
        return run
    return make


def main():
    for shape in CLASSIFIER_SHAPES:
        compare(f"cross_entropy {shape} fwd+bwd", cross_entropy_fwd_bwd(shape), repeats=9)
    for shape in CLASSIFIER_SHAPES + ATTENTION_SHAPES:
        target = 1.2 if shape == (4, 8, 128, 128) else None     # issue 8's bar
        compare(f"softmax {shape} fwd+bwd", activation_fwd_bwd("softmax", shape), repeats=9,
                target=target)
    for shape in CLASSIFIER_SHAPES + ATTENTION_SHAPES:
        compare(f"log_softmax {shape} fwd+bwd", activation_fwd_bwd("log_softmax", shape),
                repeats=9)
    for shape in [(1024, 100), (512, 1000)] + ATTENTION_SHAPES:
        compare(f"softmax {shape} forward, no_grad", softmax_no_grad(shape), repeats=9)


if __name__ == "__main__":
    main()
