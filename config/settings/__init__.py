"""Settings split by mode: base (shared), local (make run), dev (make dev), test (pytest), prod (deployment)."""
