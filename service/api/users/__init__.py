"""Relais service: users."""
