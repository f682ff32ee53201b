"""Supervision pages, one module per feature; each module exports its `urlpatterns` (collected in ../urls.py)."""
