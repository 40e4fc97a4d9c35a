"""BatchNorm1d/2d/3d (and their lazy forms): per-channel normalisation with running statistics.

The layers keep PyTorch's data model exactly: parameters `weight`, `bias` (if affine) and
buffers `running_mean`, `running_var`, `num_batches_tracked` (if track_running_stats), in that
order, so state_dicts are interchangeable with PyTorch's. The math is `F.batch_norm`.
"""
from ... import _backend
from ..._ops import creation
from ...autograd import grad_mode
from .. import functional as F
from ..parameter import UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module
from .normalization import _affine_parameters


class _NormBase(Module):
    """What batch norm and instance norm share: constructor, parameters, buffers, resets."""

    _version = 2  # state_dict version 2 added num_batches_tracked

    def __init__(self, num_features, eps=1e-05, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, num_features, affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 creation.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var",
                                 creation.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 creation.tensor(0, dtype=_backend.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics; weight = 1, bias = 0 (PyTorch's default init)."""
        self.reset_running_stats()
        if self.affine:
            with grad_mode.no_grad():
                self.weight.fill_(1)
                if self.bias is not None:
                    self.bias.zero_()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        # A state saved before version 2 (or one without version metadata, such as a plain
        # dict) may lack num_batches_tracked: the layer then keeps its own count, as in PyTorch.
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats \
                and key not in state_dict:
            state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                               else creation.tensor(0, dtype=_backend.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):

    def forward(self, input):
        self._check_input_dim(input)
        # momentum=None means a cumulative moving average: factor 1 / (batches seen so far)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in eval too when there are no running ones
        use_batch_stats = self.training or (self.running_mean is None and
                                            self.running_var is None)
        # the buffers are passed only when they are to be updated or used
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) input, per channel C.

    Training normalises with the batch's mean and (biased) variance and moves the running
    estimates toward them by `momentum` (unbiased variance); eval uses the running estimates.

    >>> BatchNorm1d(32)
    BatchNorm1d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W) input, per channel C (see BatchNorm1d)."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) input, per channel C (see BatchNorm1d)."""

    def _check_input_dim(self, input):
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """num_features is read from the first input (input.shape[1]); then the module becomes
    the plain layer. Lazy buffers are empty tensors until then."""

    def __init__(self, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        # built with affine/track_running_stats off so no tensors are made only to be replaced
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._lazy_dtype = dtype
        if affine:
            self.weight = UninitializedParameter()
            if bias:
                self.bias = UninitializedParameter()
        if track_running_stats:
            self.running_mean = creation.zeros(0, dtype=dtype)
            self.running_var = creation.ones(0, dtype=dtype)
            self.num_batches_tracked = creation.tensor(0, dtype=_backend.int64)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        # as PyTorch: only a layer with something to materialise reads num_features (with
        # affine=False and track_running_stats=False it stays 0)
        if self.num_features != 0 or not (self.affine or self.track_running_stats):
            return
        self.num_features = input.shape[1]
        dtype = self._lazy_dtype or _backend.get_default_dtype()
        if self.affine:
            self.weight.materialize((self.num_features,), dtype=dtype)
            if self.bias is not None:
                self.bias.materialize((self.num_features,), dtype=dtype)
        if self.track_running_stats:
            self.running_mean = creation.zeros(self.num_features, dtype=dtype)
            self.running_var = creation.ones(self.num_features, dtype=dtype)
        self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """A BatchNorm1d whose num_features is inferred from the first input."""

    cls_to_become = BatchNorm1d
    _check_input_dim = BatchNorm1d._check_input_dim


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """A BatchNorm2d whose num_features is inferred from the first input."""

    cls_to_become = BatchNorm2d
    _check_input_dim = BatchNorm2d._check_input_dim


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """A BatchNorm3d whose num_features is inferred from the first input."""

    cls_to_become = BatchNorm3d
    _check_input_dim = BatchNorm3d._check_input_dim
