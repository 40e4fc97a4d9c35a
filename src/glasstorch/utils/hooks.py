"""torch.utils.hooks: the handle that `register_*_hook` returns (`handle.remove()`)."""
from ..nn.modules.module import RemovableHandle

__all__ = ["RemovableHandle"]
