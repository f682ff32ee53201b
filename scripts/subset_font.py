"""Subset Noto Sans SC to what Chinese documents of this product need, for core/fonts (see core/pdf.py).

The full font is 10.5 MB. The subset keeps the GBK character set (every ideograph of the CJK basic block,
rare characters of people's and places' names included), ASCII, Latin-1, general and CJK punctuation and
the full-width forms, and drops hinting (PDFs are printed or viewed zoomed, not rendered at 9 px).
Run by scripts/vendor.sh (`make vendor`): python scripts/subset_font.py SOURCE.ttf TARGET.ttf
"""

import sys

from fontTools import subset
from fontTools.ttLib import TTFont


def gbk_characters() -> set[int]:
    characters = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                text = bytes([high, low]).decode("gbk")
            except UnicodeDecodeError:
                continue
            characters.update(ord(char) for char in text)
    return characters


def wanted() -> set[int]:
    ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
    characters = gbk_characters()
    for first, last in ranges:
        characters.update(range(first, last + 1))
    return characters


def main(source: str, target: str) -> None:
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright and licence records (OFL)
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(source, recalcTimestamp=False)  # the same input gives the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    font.save(target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: subset_font.py SOURCE.ttf TARGET.ttf")
    main(sys.argv[1], sys.argv[2])
