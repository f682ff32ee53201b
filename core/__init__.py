"""Shared foundation: timestamps, audit trail, navigation, health checks, background-job plumbing."""
