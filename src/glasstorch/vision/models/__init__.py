"""glasstorch.vision.models: torchvision's classification models, with its constructor names
and arguments, module names, state_dict keys and parameter initialisation, so its pretrained
checkpoints (torch's file format, read from $TORCH_HOME/hub/checkpoints) load unchanged.

AlexNet, VGG 11/13/16/19 (+ _bn), GoogLeNet, ResNet 18/34/50/101/152, ResNeXt, Wide ResNet,
MobileNetV2 and the Vision Transformers; `get_model`, `get_model_weights`, `get_weight`,
`list_models` find them by name.
"""
from ._api import get_model, get_model_builder, get_model_weights, get_weight, list_models
from ._api import Weights, WeightsEnum
from .alexnet import *  # noqa: F401,F403
from .googlenet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .vision_transformer import *  # noqa: F401,F403
