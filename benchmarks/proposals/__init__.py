"""Prototypes of changes to knowledge/, measured here before anyone applies them."""
