"""`make demo`: the course's linear regression from scratch."""
from .linear_regression import main

main()
