"""Relais: regions package."""
