"""Candidate pages (Starlette routes + Jinja2 templates): thin adapters over the core."""
