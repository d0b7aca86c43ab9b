"""The Textual app: widgets render the state, keys become events. No I/O in here."""
