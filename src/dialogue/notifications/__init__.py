"""E-mail: the outbox written with its cause, the sender that works it, what is sent."""
