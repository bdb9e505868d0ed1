"""Relais service: the social-media charter."""
