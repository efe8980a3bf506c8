"""The operator's console over GraphQL: mail queue, audit log, provisions, liquidity, tag
upkeep and erasure. Every field and mutation needs an operator key (FORBIDDEN otherwise)."""
