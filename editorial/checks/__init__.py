"""The rule checks, one module per family; importing a module registers its rule types."""
