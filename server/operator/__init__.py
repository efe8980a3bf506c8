"""The operator: the console's figures and mail queue, candidate look-ups for requests that
come by mail, tag upkeep. Only the adapters import this package (import-linter).
"""
