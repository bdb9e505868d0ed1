"""Relais service: share kits, invitations and amplification."""
