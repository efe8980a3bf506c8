"""`make bench`: every benchmark in turn (each also runs alone: python -m bench.<name>)."""

from bench import api, faults, matching, pipeline, spenders, webhooks

pipeline.main()
matching.main()
api.main()
faults.main()
spenders.main()
webhooks.main()
