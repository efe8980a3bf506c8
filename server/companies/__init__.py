"""Companies: partner accounts and their settings, API keys, authentication of a request
(``auth``) and the per-company query cost bucket.

Surface for the adapters: ``accounts``, ``api_keys``, ``auth``, ``cost_limit``.
"""
