"""Benchmarks: each writes its figures as JSON and Markdown under bench/results/."""
