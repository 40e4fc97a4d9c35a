"""glasstorch.utils: utilities outside the op library: `data` (datasets, samplers, DataLoader),
`hooks` and `tensorboard` (imported on use)."""
from . import data
