"""Demonstration sites (示范点): registry, creation groups, zones/belts, batches, lifecycle, targets."""
