"""A radar chart of a site's scores per standard section (各部分得分雷达图), drawn by static/js/radar.js.

Pure: plain values in, plain values out. templates/evaluations/_radar.html renders it as a chart and, always, as
a table, so a page without JavaScript, a screen reader and a printout read the same numbers.
"""

from dataclasses import dataclass
from decimal import Decimal


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Radar:
    """Sections as the chart's axes (label, maximum points), and series of one value per section (None: no score)."""

    indicators: list[tuple[str, Decimal]]
    series: list[tuple[str, list[Decimal | None]]]

    def __post_init__(self):
        for name, values in self.series:
            if len(values) != len(self.indicators):
                raise ValueError(f"“{name}”有 {len(values)} 个值，雷达图有 {len(self.indicators)} 个部分")

    def __bool__(self) -> bool:
        """A radar with no section, or with no value at all, has nothing to draw: the template says so instead."""
        return bool(self.indicators) and any(v is not None for _name, values in self.series for v in values)

    def as_echarts(self) -> dict:
        """The data radar.js hands to ECharts, JSON-serialisable (numbers as floats, a missing score as None)."""
        return {
            "indicators": [{"name": label, "max": float(maximum)} for label, maximum in self.indicators],
            "series": [{"name": name, "values": [_number(v) for v in values]} for name, values in self.series],
        }

    def rows(self) -> list[tuple[str, Decimal, list[Decimal | None]]]:
        """The table fallback: per section its label, its maximum and one value per series."""
        return [
            (label, maximum, [values[i] for _name, values in self.series])
            for i, (label, maximum) in enumerate(self.indicators)
        ]

    @property
    def incomplete(self) -> bool:
        """Some value is missing: the chart draws it at the centre, so the page says so."""
        return any(v is None for _name, values in self.series for v in values)

    @property
    def series_names(self) -> list[str]:
        return [name for name, _values in self.series]
