"""LazyModuleMixin: modules whose parameter shapes are inferred from the first input.

A lazy module holds UninitializedParameters. A forward pre-hook calls
`initialize_parameters(*inputs)` on the first call, which materialises them; the hook then
removes itself and, if the class names a `cls_to_become`, the module becomes that class
(LazyLinear -> Linear), as in PyTorch.
"""
from ..parameter import is_lazy


class LazyModuleMixin:
    """Mix in before the layer class: `class LazyLinear(LazyModuleMixin, Linear)`. Subclasses
    define `initialize_parameters(*inputs)`."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def has_uninitialized_params(self):
        """Does any parameter or buffer of this module (not its children) still lack a shape?"""
        tensors = list(self._parameters.values()) + list(self._buffers.values())
        return any(t is not None and is_lazy(t) for t in tensors)

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    @staticmethod
    def _infer_parameters(module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become
