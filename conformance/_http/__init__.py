"""The HTTP layer: what is sent (probes), how (client, wire, pacing, retries,
credentials) and what is kept of it (exchanges, redacted at creation)."""
