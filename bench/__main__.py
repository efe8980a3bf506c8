"""`make bench`: every benchmark in turn (each also runs alone: python -m bench.<name>)."""

from bench import matching, pipeline

pipeline.main()
matching.main()
