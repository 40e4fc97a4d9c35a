"""torchvision.ops: the layer blocks the models use (Conv2dNormActivation, MLP, Permute).
The detection operators (nms, roi_align ...) are not here."""
from .misc import Conv2dNormActivation, Conv3dNormActivation, MLP, Permute

__all__ = ["Conv2dNormActivation", "Conv3dNormActivation", "MLP", "Permute"]
