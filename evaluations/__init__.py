"""Evaluations (考评): rounds, teams, score sheets, aggregation, results, rankings, certificates."""
