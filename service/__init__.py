"""Relais: service package."""
