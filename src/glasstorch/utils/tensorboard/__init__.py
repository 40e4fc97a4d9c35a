"""torch.utils.tensorboard: SummaryWriter, writing TensorBoard event files with the tensorboard
package (an optional dependency: `pip install tensorboard`, or glasstorch's `tensorboard`
extra). View them with `tensorboard --logdir runs`."""
try:
    import tensorboard  # noqa: F401
except ImportError as err:
    raise ImportError("glasstorch.utils.tensorboard needs the tensorboard package, which is "
                      "not installed: pip install tensorboard (or glasstorch[tensorboard])"
                      ) from err

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
