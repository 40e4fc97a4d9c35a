"""glasstorch.utils: utilities outside the op library (for now, `data`: datasets, samplers,
DataLoader)."""
from . import data
