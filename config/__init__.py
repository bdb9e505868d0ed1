"""Relais: config package."""
