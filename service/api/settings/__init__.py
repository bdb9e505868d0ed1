"""The settings an admin changes at run time."""
