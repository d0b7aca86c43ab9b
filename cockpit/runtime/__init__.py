"""The composition root below the UI: a resolved session, its progress file, its journal
and its sources, assembled the same way for `cockpit run` and `cockpit demo`."""
