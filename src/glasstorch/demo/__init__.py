"""Demos run by `make demo` (`python -m glasstorch.demo`)."""
