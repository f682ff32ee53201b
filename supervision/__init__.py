"""Supervision (督办): assignments, reminders, guidance visits, rectification, experiences, notices."""
