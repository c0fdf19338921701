"""Synthesis reports: from a dialogue's published posts to a reviewed, publishable report."""
