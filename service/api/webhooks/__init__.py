"""Relais service: webhooks."""
