"""torch.backends: which accelerated back ends this build has. glasstorch computes with NumPy
on the CPU, so every `is_available()` here is False; the flags scripts set for reproducibility
(`cudnn.deterministic = True`, `cudnn.benchmark = False`) are accepted and have no effect."""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp
