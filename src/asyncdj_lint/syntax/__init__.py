"""Syntax helpers over LibCST trees, one of each: walks, dotted names and imports, literals."""
