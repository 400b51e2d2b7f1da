"""The contract model: a profile's operations, clauses, conventions and baseline."""
