"""Reports: the funnel of a company or the network over a period, read from stored,
timestamped rows; depends on no other domain package (import-linter).
"""
