"""Private modules of ``strategies``; import the public names from ``strategies``."""
