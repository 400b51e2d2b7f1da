"""Apps the project's own tests check the suite against (never shipped)."""
