"""Webhook deliveries: one per webhook and ticket event (consumers.py), sent by the webhook workers
(worker.py) on their own retry schedule (schedule.py), every attempt logged (service.py)."""
