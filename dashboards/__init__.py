"""Role home pages and statistics: reads every app, nothing reads it."""
