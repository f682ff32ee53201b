"""Finding regions by the path people type into an import ("临江区 · 石门镇 · 杨柳村").

Accepted: the path as shown everywhere (Region.label), written with any of the usual separators (" · ", "·", "/",
"-", ">", full-width or not, or spaces), with or without the city's own name in front, the tail of a path
("石门镇 · 杨柳村"), or a last-level name. A path names the regions whose label ends with the names typed: a
full path names one, a bare "杨柳村" may name several (a real city has three), which the caller reports.
"""

import re
import unicodedata
from collections import defaultdict

from django.utils.translation import gettext as _

from .models import LABEL_SEPARATOR, Region

# NFKC first turns "／" into "/", "－" into "-" and "＞" into ">".
SEPARATORS = re.compile(r"[·・•/\\\-–—>]+|\s+")


def path_parts(text: str) -> list[str]:
    """The names of a typed region path, top down."""
    return [part for part in SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if part]


def regions_matching(texts) -> dict[str, list[Region]]:
    """For each typed path, the regions it names (in one query for all of them)."""
    wanted = {text: path_parts(text) for text in texts if text}
    roots = set(Region.objects.filter(parent__isnull=True).values_list("name", flat=True))
    for text, parts in wanted.items():
        if len(parts) > 1 and parts[0] in roots:  # the city's own name in front: labels start below it
            wanted[text] = parts[1:]
    by_name = defaultdict(list)
    for region in Region.objects.filter(name__in={parts[-1] for parts in wanted.values() if parts}):
        by_name[region.name].append(region)
    return {
        text: [r for r in by_name.get(parts[-1], []) if r.label.split(LABEL_SEPARATOR)[-len(parts) :] == parts]
        for text, parts in wanted.items()
        if parts
    }


def one_region(text: str, matches: dict[str, list[Region]]) -> tuple[Region | None, str]:
    """(the one region `text` names, "") or (None, why not), from regions_matching's answer."""
    candidates = sorted(matches.get(text, []), key=lambda region: region.path)
    if len(candidates) == 1:
        return candidates[0], ""
    if candidates:
        examples = "、".join(f"“{region.label}”" for region in candidates[:3])
        return None, _("“%(text)s”有 %(count)s 个同名区划，请填写完整路径，如 %(examples)s") % {
            "text": text,
            "count": len(candidates),
            "examples": examples,
        }
    return None, _("系统中没有区划“%(text)s”（请按“区县 · 镇街 · 村社区”填写路径）") % {"text": text}
