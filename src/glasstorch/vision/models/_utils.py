"""Helpers shared by the model builders (torchvision.models._utils)."""
import functools
import warnings

from ._api import WeightsEnum


def _make_divisible(v, divisor, min_value=None):
    """v rounded to the nearest multiple of divisor (at least min_value, default divisor), and
    never more than 10% below v: MobileNet's channel-count rule."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _ovewrite_named_param(kwargs, param, new_value):
    """Set kwargs[param] = new_value; a different value the caller passed raises ValueError
    (pretrained weights fix e.g. num_classes). The misspelling is torchvision's name."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got "
                             f"{kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def handle_legacy_interface(**weights):
    """Builder decorator for the pre-0.13 spelling `pretrained=True/False` (keyword only):
    `weights=<the given default>` / `weights=None`, with torchvision's deprecation warnings.

    `weights` maps the new parameter name to (legacy name, default weights when true)."""
    def outer_wrapper(builder):
        @functools.wraps(builder)
        def inner_wrapper(*args, **kwargs):
            for weights_param, (pretrained_param, default) in weights.items():
                if pretrained_param not in kwargs:
                    continue
                weights_arg = kwargs.get(weights_param)
                if isinstance(weights_arg, (WeightsEnum, str)):
                    continue
                pretrained = kwargs.pop(pretrained_param)
                chosen = (default(kwargs) if callable(default) else default) if pretrained \
                    else None
                if pretrained and not isinstance(chosen, WeightsEnum):
                    raise ValueError(f"No weights available for model {builder.__name__}")
                warnings.warn(f"The parameter '{pretrained_param}' is deprecated since 0.13 and "
                              f"may be removed in the future, please use '{weights_param}' "
                              f"instead.")
                message = (f"Arguments other than a weight enum or `None` for '{weights_param}' "
                           f"are deprecated since 0.13 and may be removed in the future. The "
                           f"current behavior is equivalent to passing "
                           f"`{weights_param}={chosen}`.")
                if pretrained:
                    message += (f" You can also use `{weights_param}="
                                f"{type(chosen).__name__}.DEFAULT` to get the most up-to-date "
                                f"weights.")
                warnings.warn(message)
                kwargs[weights_param] = chosen
            return builder(*args, **kwargs)
        return inner_wrapper
    return outer_wrapper
