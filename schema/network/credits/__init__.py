"""GraphQL of introduction credits: the ledger, referral progress, adjustments."""
