"""The event log: appended in the writer's transaction, read after a `seq`, fanned out by a broker."""
