"""Import the real torchvision as a test oracle.

The installed torchvision 0.28.0 is a CUDA build whose C extension cannot load on this CPU-only
machine; `import torchvision` then fails while registering its ops unless the `torchvision::nms`
and `torchvision::qnms` schemas already exist. Defining those two schemas first is enough for
transforms, datasets and models (no test calls nms). `torchvision.io`'s image decoders live in
the same C extension and stay unavailable.

    from tests.oracle.torchvision_import import torchvision
    tv = torchvision()
"""
import torch

_library = None  # the schema library must stay alive as long as torchvision is used


def torchvision():
    """The torchvision module (imported once, after the op-schema shim)."""
    global _library
    if _library is None:
        _library = torch.library.Library("torchvision", "DEF")
        _library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision as module
    return module
