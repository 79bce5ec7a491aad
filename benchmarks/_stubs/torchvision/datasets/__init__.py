"""Stand-in for `torchvision.datasets`: no data sets, only `utils.download_url` (which refuses)."""

from . import utils  # noqa: F401
