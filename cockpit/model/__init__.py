"""Pure data and pure functions: no I/O, no clock, no widgets."""
