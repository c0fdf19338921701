"""Threads and posts: Markdown contributions, revisions, reactions, search."""
