"""torch.backends.cuda: glasstorch is not built with CUDA."""


def is_built():
    return False


class _MatmulFlags:
    """`torch.backends.cuda.matmul.allow_tf32 = ...` is accepted; nothing runs on a GPU."""

    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()
