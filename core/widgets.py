"""Searchable pickers for choosing among many (organizations, regions, users, sites).

A plain <select> of 369 organizations (or 20,000 villages) is unusable, and three 杨柳村党支部 look the
same in it. These widgets render a <select> that static/js/pickers.js turns into a searchable Tom Select:

- `Picker` / `MultiPicker` with `source=` (a URL name): options are searched on the server, whose JSON
  endpoint applies the user's data scope (core.pickers.picker_response); only the chosen options are
  rendered into the page, so the page stays small however many rows exist.
- without `source`: the options are in the page and searched in the browser (a few dozen items).
- `TreePicker`: regions as an indented tree (the upper levels in the page, at most a constant number of
  nodes) plus server search for the rest.

The form field's queryset still validates the submitted value, so a value outside the user's scope is
refused whatever the browser sends.
"""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class _PickerMixin:
    def __init__(self, *args, source: str = "", source_query: str = "", placeholder=None, fixed=(), **kwargs):
        """source: a URL name, or a path ("/evaluations/3/pick/teams/") for an endpoint that takes arguments.
        fixed: (value, label) options always in the page beside the chosen ones (e.g. “未分配”)."""
        self.source, self.source_query = source, source_query
        self.placeholder = placeholder
        self.fixed = list(fixed)
        super().__init__(*args, **kwargs)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-picker"] = "tree" if isinstance(self, TreePicker) else "1"
        attrs["data-placeholder"] = str(self.placeholder or _("输入名称搜索"))
        if self.source:
            url = self.source if self.source.startswith("/") else reverse(self.source)
            attrs["data-picker-url"] = f"{url}?{self.source_query}" if self.source_query else url
        attrs.setdefault("class", "form-select")
        return attrs

    def optgroups(self, name, value, attrs=None):
        if not self.source:
            return super().optgroups(name, value, attrs)
        # Only the chosen options: the rest are found by searching (see the module docstring).
        chosen = {str(v) for v in value if v not in (None, "")}
        fixed_values = {str(fixed_value) for fixed_value, _label in self.fixed}
        queryset = getattr(self.choices, "queryset", None)
        options = [
            self.create_option(name, fixed_value, label, str(fixed_value) in chosen, index)
            for index, (fixed_value, label) in enumerate(self.fixed)
        ]
        rows = chosen - fixed_values
        if rows and queryset is not None:
            for index, obj in enumerate(queryset.filter(pk__in=rows), start=len(options)):
                options.append(self.create_option(name, obj.pk, str(obj), True, index, attrs=None))
        if not self.allow_multiple_selected:
            blank = self.create_option(name, "", self._blank_label(), not chosen, len(options))
            options.insert(0, blank)
        return [(None, options, 0)]

    def _blank_label(self) -> str:
        """What the empty choice reads (Tom Select shows it as the chosen item): a filter's “全部…”, else the
        placeholder, never Django's “---------”."""
        empty_label = getattr(getattr(self.choices, "field", None), "empty_label", None)
        if empty_label and str(empty_label) != "---------":
            return str(empty_label)
        return str(self.placeholder or "")


class Picker(_PickerMixin, forms.Select):
    pass


class MultiPicker(_PickerMixin, forms.SelectMultiple):
    pass


class TreePicker(_PickerMixin, forms.Select):
    """Regions as an indented tree: the upper levels are in the page, each with its depth and short name (the
    browser indents them), deeper ones are found by the server search (`source`).

    The page holds at most `budget` nodes whatever the size of the tree: the levels down to the deepest one
    (≤ `max_depth`) whose nodes, together with those above it, number `budget` or fewer — a city shows its
    districts and towns, a country only its top levels — plus the chosen value. One bounded query decides it:
    the first `budget + 1` nodes by depth; a level that does not fit whole is left to the search."""

    BUDGET = 150

    def __init__(self, *args, max_depth: int = 2, budget: int = BUDGET, **kwargs):
        self.max_depth, self.budget = max_depth, budget
        super().__init__(*args, **kwargs)

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v not in (None, "")}
        queryset = getattr(self.choices, "queryset", None)
        empty_label = getattr(self.choices, "field", None) and self.choices.field.empty_label
        options = [] if empty_label is None else [self.create_option(name, "", str(empty_label), not chosen, 0)]
        if queryset is None:
            return [(None, options, 0)]
        regions = list(
            queryset.filter(depth__lte=self.max_depth)
            .select_related(None)
            .only("pk", "name", "label", "depth", "path")
            .order_by("depth", "path")[: self.budget + 1]
        )
        if len(regions) > self.budget:  # the deepest level reached does not fit whole: leave it to the search
            cut = regions[self.budget].depth
            regions = [region for region in regions if region.depth < cut]
        missing = chosen - {str(region.pk) for region in regions}
        if missing:
            regions += queryset.filter(pk__in=missing).select_related(None).only("pk", "name", "label", "depth", "path")
        for index, region in enumerate(sorted(regions, key=lambda region: region.path), start=1):
            option = self.create_option(name, region.pk, str(region), str(region.pk) in chosen, index)
            option["attrs"].update({"data-depth": region.depth, "data-short": region.name})
            options.append(option)
        return [(None, options, 0)]


def bounded_options(queryset, chosen=None, budget: int = TreePicker.BUDGET) -> list:
    """The rows a hand-written <select> with a server search (`data-picker-url`) puts in the page: all of them
    when there are `budget` or fewer (a city's districts), else only the chosen one — the rest is searched as the
    user types. One query (two when the chosen row is not among the first ones)."""
    rows = list(queryset[: budget + 1])
    if len(rows) <= budget:
        return rows
    chosen_pk = getattr(chosen, "pk", chosen)
    if chosen_pk in (None, ""):
        return []
    return [row for row in rows if str(row.pk) == str(chosen_pk)] or list(queryset.filter(pk=chosen_pk))
