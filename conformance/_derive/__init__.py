"""Zero-config: a profile derived from an OpenAPI document and a convention."""
