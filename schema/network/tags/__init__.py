"""GraphQL types and queries of tags."""
