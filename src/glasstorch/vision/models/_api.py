"""Pretrained weights and the model registry, as torchvision.models._api has them.

- `Weights(url, transforms, meta)`: one checkpoint: where it is, the preprocessing it expects
  (a constructor such as `partial(ImageClassification, crop_size=224)`) and its metadata
  (categories, num_params, min_size, metrics ...).
- `WeightsEnum`: per model an Enum of such entries (`ResNet18_Weights.IMAGENET1K_V1`, `.DEFAULT`);
  `get_state_dict()` reads the checkpoint from the torch hub cache
  (`$TORCH_HOME/hub/checkpoints/<file name of the url>`), downloading it when absent.
- `register_model`, `list_models`, `get_model`, `get_model_builder`, `get_model_weights`,
  `get_weight`: find builders and weights by name.
"""
import fnmatch
import sys
from dataclasses import dataclass
from enum import Enum
from functools import partial
from inspect import signature
from typing import Callable, get_args

from ... import hub

__all__ = ["WeightsEnum", "Weights", "get_model", "get_model_builder", "get_model_weights",
           "get_weight", "list_models"]


@dataclass
class Weights:
    """One pretrained checkpoint: url, transforms (a constructor of the preprocessing) and meta."""
    url: str
    transforms: Callable
    meta: dict

    def __eq__(self, other):
        # partial objects compare by identity, and deepcopy/unpickling an Enum member looks it
        # up by value: compare a partial by its function and arguments instead
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        mine, theirs = self.transforms, other.transforms
        if isinstance(mine, partial) and isinstance(theirs, partial):
            return (mine.func, mine.args, mine.keywords) == (theirs.func, theirs.args,
                                                             theirs.keywords)
        return mine == theirs


class WeightsEnum(Enum):
    """Base of the per-model weight enums; each member's value is a Weights."""

    @classmethod
    def verify(cls, obj):
        """obj as a member of this enum: None stays None, a name ('IMAGENET1K_V1' or
        'ResNet18_Weights.IMAGENET1K_V1') is looked up; anything else raises TypeError."""
        if obj is None:
            return None
        if type(obj) is str:
            return cls[obj.replace(cls.__name__ + ".", "")]
        if not isinstance(obj, cls):
            raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but "
                            f"received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args, **kwargs):
        """The checkpoint, from the hub cache (see glasstorch.hub.load_state_dict_from_url)."""
        return hub.load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


def get_weight(name):
    """The member named like 'ResNet50_Weights.IMAGENET1K_V1'."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    models = sys.modules[__name__.rsplit(".", 1)[0]]
    weights_enum = getattr(models, enum_name, None)
    if not (isinstance(weights_enum, type) and issubclass(weights_enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be "
                         f"retrieved.")
    return weights_enum[value_name]


def get_model_weights(name):
    """The WeightsEnum class of a builder (given as the function or its registered name),
    read from the annotation of its `weights` parameter."""
    builder = get_model_builder(name) if isinstance(name, str) else name
    parameters = signature(builder).parameters
    if "weights" not in parameters:
        raise ValueError("The method is missing the 'weights' argument.")
    annotation = parameters["weights"].annotation
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, WeightsEnum):
            return candidate
    raise ValueError("The WeightsEnum class for the specific method couldn't be retrieved. "
                     "Make sure the typing info is correct.")


BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator: record a builder under `name` (default: the function's name)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None):
    """Sorted names of the registered builders (of `module` only, if given), filtered by
    fnmatch patterns: kept if any `include` matches, dropped if any `exclude` matches."""
    names = {key for key, fn in BUILTIN_MODELS.items()
             if module is None or fn.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        patterns = [include] if isinstance(include, str) else include
        names = {n for p in patterns for n in fnmatch.filter(names, p)}
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        names -= {n for p in patterns for n in fnmatch.filter(names, p)}
    return sorted(names)


def get_model_builder(name):
    """The builder registered under name (case-insensitive)."""
    try:
        return BUILTIN_MODELS[name.lower()]
    except KeyError:
        raise ValueError(f"Unknown model {name.lower()}") from None


def get_model(name, **config):
    """get_model_builder(name)(**config)."""
    return get_model_builder(name)(**config)
