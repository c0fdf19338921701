"""The event log: appended in the writer's transaction, read after a `seq`, rung by a broker."""
