"""Go-Live Cockpit."""

__version__ = "0.1.0"
