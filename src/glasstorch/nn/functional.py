"""glasstorch.nn.functional: the functional form of every layer (`F.relu`, `F.cross_entropy`).

The implementations live in the op library (`glasstorch/_ops/<family>.py`), each a fused
autograd Function where it pays; this file only gathers them under PyTorch's names."""
# ---------------------------------------------------------------- linear, embedding, dropout, misc
# ---------------------------------------------------------------- activations and softmax
# ---------------------------------------------------------------- normalisation
# ---------------------------------------------------------------- losses
