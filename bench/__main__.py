"""`make bench`: every benchmark in turn (each also runs alone: python -m bench.<name>)."""

from bench import pipeline

pipeline.main()
