"""Small real images for upload tests."""

from io import BytesIO

from PIL import Image


def png_bytes(size=(8, 8), color=(200, 22, 29)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
