"""Relais: geodata package."""
