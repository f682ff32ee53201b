"""Archives (档案): materials, versions, review, evidence links and ledgers (台账)."""
