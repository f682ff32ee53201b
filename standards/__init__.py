"""Versioned standards (标准): 十有, 六个有, 五个一 and domain items that rounds score against."""
