"""Tests of the adapters to private internals of other libraries, and their contracts."""
