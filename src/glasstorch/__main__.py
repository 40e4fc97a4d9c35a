"""`python -m glasstorch script.py args`: run a PyTorch script unchanged, with `import torch`
resolving to glasstorch (see glasstorch/compat/run.py)."""
import sys

from glasstorch.compat.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
