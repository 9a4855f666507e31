"""Benchmarks, profiles and their comparison."""
