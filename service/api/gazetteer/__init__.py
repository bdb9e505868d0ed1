"""Relais service: gazetteer."""
