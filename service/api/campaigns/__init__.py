"""Relais service: campaigns."""
