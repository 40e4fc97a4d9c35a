"""torch.version: the version glasstorch answers to, and the accelerator toolkits it was built
with (none). See torch_version.py for why `__version__` is PyTorch's version."""
from .torch_version import TorchVersion

glasstorch = "0.1.0"                 # this package's own release
__version__ = TorchVersion("2.13.0+glasstorch." + glasstorch)
debug = False
cuda = None
hip = None
rocm = None
xpu = None
git_version = "Unknown"
