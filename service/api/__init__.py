"""Relais service: api."""
