"""PNG bytes of uint8 test images, as the kernel would send them to a widget."""

import io

import numpy as np
from PIL import Image


def png(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgb, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()
