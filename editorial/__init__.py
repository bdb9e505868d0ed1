"""Relais: editorial package."""
