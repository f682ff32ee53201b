"""Settings split by mode: base (shared), dev (make run), test (pytest), prod (deployment)."""
