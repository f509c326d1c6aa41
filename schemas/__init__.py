"""JSON Schemas, JSON-LD contexts and examples of the skillpass credential types (data only)."""
