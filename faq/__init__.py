"""FAQ knowledge base: content as YAML data, strict validation, and a Dutch fuzzy matcher."""
