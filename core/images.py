"""Re-encoding uploaded pictures: upright, with no metadata at all (EXIF GPS included), decoded within a memory bound.

Pure functions over bytes (Pillow only), shared by every app that keeps pictures people upload: material photos
(archives), a site's brand emblem and tour-stop photos (sites).

Memory: a picture is judged by its header before anything is decoded. A JPEG larger than FULL_DECODE_MAX_PIXELS is
decoded by libjpeg at 1/2, 1/4 or 1/8 scale (Pillow's draft), so even the largest photo allowed takes at most about
75 MB once decoded (RGB); PNG and WebP cannot be decoded at a reduced scale and are refused above that bound. Only one
full-size copy is held at a time (two for a moment while a rotated photo is turned upright).
"""

from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

# The largest picture a phone camera produces: 50 MP main cameras (Sony IMX766 and the like) save 8192 × 6144,
# 48 MP ones 8000 × 6000. The 64/108/200 MP modes are opt-in (phones save 12–16 MP by default). Anything larger is
# treated as a decompression bomb: a PNG of a few hundred KB can claim 80 MP and take a gigabyte once decoded.
MAX_PIXELS = 8192 * 6144
# What is decoded at full size: a 24 MP (6000 × 4000) photo, at most 75 MB as RGB (100 MB as RGBA).
FULL_DECODE_MAX_PIXELS = 25_000_000
DRAFTABLE = {"JPEG", "MPO"}  # formats libjpeg can decode at a reduced scale (MPO: phone JPEGs with a depth map)
FORMATS = {"jpeg": ("JPEG", {"quality": 90}), "png": ("PNG", {}), "webp": ("WEBP", {"quality": 90})}
KIND_OF_FORMAT = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp"}


class ImageRefused(ValueError):
    """A picture that may not be decoded; str() is the reason shown to the uploader."""


def size_problem(image: Image.Image) -> str | None:
    """Why a picture opened but not yet decoded (Pillow reads only the header on open) is too large, or None."""
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        return _("图片像素过大，疑似解压炸弹，已拒绝（照片不能超过约 5000 万像素）")
    if image.format not in DRAFTABLE and pixels > FULL_DECODE_MAX_PIXELS:
        return _("PNG、WebP 等图片不能超过 2500 万像素，请缩小或转为 JPEG 后重新上传")
    return None


def draft_scale(width: int, height: int) -> int:
    """The smallest of 1, 2, 4, 8 that brings a JPEG to at most FULL_DECODE_MAX_PIXELS once decoded."""
    scale = 1
    while scale < 8 and (width // scale) * (height // scale) > FULL_DECODE_MAX_PIXELS:
        scale *= 2
    return scale


def decode(data: bytes) -> Image.Image:
    """The picture decoded (at a reduced scale when it is a large JPEG), upright, with its metadata dropped.

    Raises ImageRefused for a picture too large to decode safely."""
    image = Image.open(BytesIO(data))
    problem = size_problem(image)
    if problem:
        image.close()
        raise ImageRefused(problem)
    if image.format in DRAFTABLE:
        scale = draft_scale(image.width, image.height)
        if scale > 1:
            image.draft(None, (image.width // scale, image.height // scale))
    ImageOps.exif_transpose(image, in_place=True)  # loads it; turns it in place only when the EXIF asks
    # EXIF, XMP, comments, ICC profile, text chunks: nothing of the original is written back, except which colour
    # is transparent (part of the picture, not metadata).
    image.info = {key: value for key, value in image.info.items() if key == "transparency"}
    return image


def format_of(data: bytes) -> str:
    """Pillow's name for a picture's format ("JPEG", "PNG", "GIF"…), read from its header."""
    with Image.open(BytesIO(data)) as image:
        return image.format or ""


def kind_of(fmt: str | None) -> str:
    """The kind (jpeg, png, webp) a picture of format `fmt` is kept as: its own when it is one of these, else PNG."""
    return KIND_OF_FORMAT.get(fmt or "", "png")


def encode(image: Image.Image, kind: str) -> bytes:
    fmt, options = FORMATS[kind]
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def clean_image(data: bytes, kind: str | None = None) -> bytes:
    """The same picture, upright, with no metadata at all; kept as `kind` (jpeg, png, webp), by default as its own
    format (see kind_of). Raises ImageRefused for a picture too large to decode safely."""
    with decode(data) as image:
        return encode(image, kind or kind_of(image.format))


def clean_image_and_thumbnail(data: bytes, kind: str, size: tuple[int, int]) -> tuple[bytes, bytes]:
    """clean_image and a JPEG thumbnail within `size`, from a single decode."""
    with decode(data) as image:
        cleaned = encode(image, kind)
        image.thumbnail(size)
        small = image if image.mode == "RGB" else image.convert("RGB")
        buffer = BytesIO()
        small.save(buffer, format="JPEG", quality=80)
        return cleaned, buffer.getvalue()
