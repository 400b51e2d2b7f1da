"""Untrusted input: every document, file and $ref the suite reads, bounded."""
