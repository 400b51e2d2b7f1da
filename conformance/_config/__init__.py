"""Settings: the option table, their resolution, the profile linter and the
embedded reference servers a run starts."""
