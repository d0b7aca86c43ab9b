"""Helpers shared by the test modules (no tests here: test modules never import each other)."""
