"""Relais service: health."""
