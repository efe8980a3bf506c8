"""arq workers: job functions and the cron schedule (thin: each job calls the core)."""
