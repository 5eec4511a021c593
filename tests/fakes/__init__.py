"""Offline stand-ins for external services, so bot tests never touch the network."""
