"""Re-encoded pictures carry no metadata, are upright, and are decoded within a memory bound."""

import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from core import images
from tests.archives import samples

GPS, ORIENTATION = 0x8825, 0x0112


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[ORIENTATION] = 6
    exif[GPS] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    return exif


def _png_with_metadata() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "拍摄地点：杨柳村")
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 22, 29)).save(buffer, format="PNG", exif=_exif_with_gps(), pnginfo=text)
    return buffer.getvalue()


def _webp_with_metadata() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 22, 29)).save(
        buffer, format="WEBP", exif=_exif_with_gps(), xmp=b"<x:xmpmeta>GPS</x:xmpmeta>"
    )
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [(samples.jpeg_with_gps(), "jpeg"), (_png_with_metadata(), "png"), (_webp_with_metadata(), "webp")],
)
def test_clean_image_keeps_no_metadata_and_turns_the_picture_upright(data, kind):
    cleaned = images.clean_image(data)
    with Image.open(BytesIO(cleaned)) as image:
        assert images.kind_of(image.format) == kind
        assert image.size == (30, 40)  # orientation 6 applied
        assert not image.getexif()
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "Comment", "comment", "icc_profile"} & set(image.info)
    assert b"PhoneMaker" not in cleaned and "杨柳村".encode() not in cleaned


def test_clean_image_keeps_transparency():
    buffer = BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, format="PNG")
    with Image.open(BytesIO(images.clean_image(buffer.getvalue()))) as image:
        assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    buffer = BytesIO()
    Image.new("L", (8000, 6000), 128).save(buffer, format="JPEG")  # 48 MP; grey keeps the test's own memory small
    with images.decode(buffer.getvalue()) as image:
        assert image.size == (4000, 3000)
    assert images.draft_scale(6000, 4000) == 1 and images.draft_scale(8192, 6144) == 2


@pytest.mark.parametrize(("size", "reason"), [((10_000, 8_000), "像素过大"), ((6_000, 5_000), "2500 万像素")])
def test_pictures_too_large_to_decode_are_refused_before_decoding(size, reason):
    with pytest.raises(images.ImageRefused, match=reason):
        images.decode(samples.png_claiming(*size))


MEASURE = """
import sys
sys.path.insert(0, {root!r})
from core.images import clean_image_and_thumbnail


def peak_kb():  # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))


data = open({path!r}, "rb").read()
before = peak_kb()
clean_image_and_thumbnail(data, "jpeg", (480, 480))
print((peak_kb() - before) // 1024)
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read peak memory")
def test_a_48_megapixel_photo_is_processed_in_under_150_mb(tmp_path):
    """The photo is made and measured in fresh interpreters: peak resident memory is a high-water mark. Before the
    memory bound, this photo took 555 MB (three full-size copies of 144 MB, then the thumbnail's decode)."""
    path = tmp_path / "photo.jpg"
    make = f"""
from PIL import Image
exif = Image.Exif(); exif[{ORIENTATION}] = 6
Image.linear_gradient("L").resize((8000, 6000)).convert("RGB").save({str(path)!r}, quality=85, exif=exif)
"""
    subprocess.run([sys.executable, "-c", make], check=True)
    root = str(Path(__file__).resolve().parents[2])
    script = MEASURE.format(root=root, path=str(path))
    growth_mb = int(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True).stdout)
    print(f"peak memory growth for a 48 MP photo: {growth_mb} MB")
    assert growth_mb < 150
