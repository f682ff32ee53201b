"""Signals of accounts that apps above it may listen to (accounts imports none of them)."""

from django.dispatch import Signal

# Some sites now sit in another region, or their region moved in the tree: an app that keeps a copy of what a
# site's region says (supervision's districts) refills it. Sent with `site_lookups`, a dict of Site field
# lookups naming the sites (e.g. {"pk__in": [...]}, {"organization": org}, {"region__path__startswith": path}),
# inside the transaction that moved them.
sites_moved = Signal()
