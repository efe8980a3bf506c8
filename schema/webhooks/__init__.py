"""GraphQL of webhooks: endpoints, their deliveries and attempts, notification switches."""
