"""Quality measurements of chatwarden's detectors (evaluation reports, not runtime code)."""
