"""Mail: the transactional outbox and its SMTP sending, suppressions, the per-person budget
of follow-up mails, the guards on a company's mails (links, daily quota) and the development
mailbox. Knows nothing of applications, candidates, the network or credits (import-linter).

Surface for the adapters: ``outbox`` (queueing), ``sending``, ``claims`` and ``sweeper`` (the
worker's), ``suppressions``, ``sending_guards``, ``dev_mailbox``;
``smtp`` and ``budget`` are used by the other core packages.
"""
