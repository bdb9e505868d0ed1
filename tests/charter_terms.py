"""Forbidden terms the charter tests use: the demo charter's and a realistic French/English list."""

from __future__ import annotations

from service.demo_content import CHARTER

DEMO_TERMS = [item if isinstance(item, str) else item["term"]
              for rule in CHARTER["rules"] if rule["type"] == "terms.forbidden"
              for item in rule["params"]["terms"]]
DEMO_EXCEPTIONS = {item["term"]: item.get("exceptions", [])
                   for rule in CHARTER["rules"] if rule["type"] == "terms.forbidden"
                   for item in rule["params"]["terms"] if isinstance(item, dict)}

# What a French or English charter forbids on a utility's pages: spam, scams, claims.
REALISTIC_TERMS = [
    "arnaque", "escroquerie", "miracle", "casino", "viagra", "crédit facile", "argent facile",
    "sans frais", "remboursé", "satisfait ou remboursé", "imbattable", "révolutionnaire",
    "dernière chance", "offre limitée", "cliquez ici", "urgent", "bitcoin", "cryptomonnaie",
    "free money", "guaranteed", "risk free", "act now", "click here", "limited offer",
    "cheap", "winner", "lottery", "weight loss", "make money fast", "no credit check",
]
