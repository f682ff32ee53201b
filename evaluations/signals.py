"""Signals that mark a round's stored results old (result_store.inputs_changed) when one of their inputs is saved
or deleted. Bulk writes send no signals: the services that use them call inputs_changed themselves.

Item scores have no receiver: the services change them only together with their sheet (its total, count and
version move with every entry, which is also what results.inputs_fingerprint relies on), and the sheet's save
marks the round. A receiver would add a query to every autosaved change, and a delete receiver would stop Django
from deleting a sheet's hundreds of scores in one statement."""

from django.db.models.signals import post_delete, post_save

from .result_store import inputs_changed
from .results import MOVES_RESULTS


def _sheet_changed(sender, instance, **kwargs):
    # Every save marks the round (the version also keeps the sheet counts, sheet_tally); only one that can move a
    # result sets a background recomputation going (results.MOVES_RESULTS), not each autosave of a sheet in progress.
    inputs_changed(refresh=instance.status in MOVES_RESULTS, round__entries=instance.entry_id)


def _line_changed(sender, instance, **kwargs):
    inputs_changed(round__entries=instance.entry_id)


def _entry_changed(sender, instance, **kwargs):
    inputs_changed(round_id=instance.round_id)


def _round_changed(sender, instance, **kwargs):
    inputs_changed(round_id=instance.pk)


def _site_changed(sender, instance, **kwargs):
    # A site's name orders the listing and its domain decides the rank in domain.
    inputs_changed(round__entries__site=instance.pk)


def _standard_changed(sender, instance, **kwargs):
    # An item's section kind, veto or required flag decide the results of every round using the standard.
    inputs_changed(round__standard=instance.standard_id)


def connect() -> None:
    from sites.models import Site
    from standards.models import Item, Section

    from .models import Adjustment, Round, RoundSite, ScoreSheet

    for model, receiver in (
        (ScoreSheet, _sheet_changed),
        (Adjustment, _line_changed),
        (RoundSite, _entry_changed),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"results-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"results-{model.__name__}-delete")
    post_save.connect(_round_changed, sender=Round, dispatch_uid="results-Round-save")
    post_save.connect(_site_changed, sender=Site, dispatch_uid="results-Site-save")
    for model in (Item, Section):
        post_save.connect(_standard_changed, sender=model, dispatch_uid=f"results-{model.__name__}-save")
        post_delete.connect(_standard_changed, sender=model, dispatch_uid=f"results-{model.__name__}-delete")
