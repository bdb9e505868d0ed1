"""The map page's data: territory panels, coverage gaps, conflicts, campaign maps."""
