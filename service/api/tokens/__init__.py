"""Relais service: tokens."""
