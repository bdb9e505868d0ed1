"""Relais service: territories."""
