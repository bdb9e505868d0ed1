"""Relais service: map data."""
