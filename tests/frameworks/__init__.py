"""Real-framework APIs with one resource model, for comparing the suite's verdicts."""
