"""Simulated backends for tests and the demo: real servers on loopback, never mocks of clients."""
