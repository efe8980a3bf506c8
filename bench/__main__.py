"""`make bench`: every benchmark in turn (each also runs alone: python -m bench.<name>)."""

from bench import faults, matching, pipeline

pipeline.main()
matching.main()
faults.main()
