"""Relais service: locate."""
