"""The outside systems as the cockpit reaches them: shared by the sources (which watch) and
the actions (which change), so that neither imports the other."""
