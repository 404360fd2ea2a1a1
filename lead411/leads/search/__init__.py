"""The one lead search: query language, tantivy engine, index upkeep (clause L2)."""
