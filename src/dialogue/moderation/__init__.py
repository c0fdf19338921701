"""Moderation: the queue, actions on posts, threads and members, flags, codebook, audit log."""
