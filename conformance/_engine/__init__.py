"""The engine: from resolved settings to a run result (probe, judge, tally)."""
