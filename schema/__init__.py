"""Strawberry GraphQL adapter over the core (thin: types, resolvers, permissions)."""
