"""Scheduled work: the outbox drainer (`outbox`), the jobs (`jobs`) and their scheduler
(`service`). See docs/DEVELOPING.md and docs/PRODUCT.md "Scheduled work"."""
