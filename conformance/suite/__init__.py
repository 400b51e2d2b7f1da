"""The conformance suite as pytest collects it: one test per clause id.

Run it with ``pytest --pyargs conformance.suite --api cardda`` (or ``conformance run``).
"""
