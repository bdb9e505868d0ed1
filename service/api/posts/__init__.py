"""Relais service: posts."""
