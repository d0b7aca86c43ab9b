"""Actions of the deployment window: plan, confirm, execute, verify; no UI here."""
