"""The audit journal: what was pressed, what was seen, what was done — verifiable, replayable."""
