"""Stand-in for `torchvision.models`: empty, so `from torchvision.models import *` is a no-op."""

__all__ = []
