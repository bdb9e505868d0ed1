"""Relais service: web."""
