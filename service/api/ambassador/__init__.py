"""Relais service: an ambassador's own routes."""
