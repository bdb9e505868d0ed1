"""Relais service: editorial templates."""
