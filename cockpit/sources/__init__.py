"""Where live data comes from. Sources run in threads and only ever emit events."""
