"""Benchmarks of Stockbot, each measured against a baseline taken in the same run."""
