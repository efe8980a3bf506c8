"""Outgoing webhooks: a company's endpoints, the events written in the transaction that made
them (``events.emit``), and their delivery by the worker (``delivery``), signed by the
Standard Webhooks specification (``signing``) or formatted for Slack (``slack``).

Life of a delivery row (``WebhookDelivery``, the webhook outbox)::

    PENDING ──claim──> SENDING ──2xx──> DELIVERED
       ▲                  │──────────> FAILED   (no 2xx within RELAY_WEBHOOK_RETRY_HOURS,
       └── timeout, non-2xx, crash         or the endpoint was disabled or deleted)

Every HTTP request is one ``WebhookAttempt`` row. ``redeliver`` puts any delivery back to
PENDING; the ``webhook-id`` header stays the same on every attempt, so receivers dedupe.
"""
