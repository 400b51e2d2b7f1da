"""The conformance suite as pytest collects it: one test per clause id.

Run it with ``pytest --pyargs errcontract.suite --api cardda`` (or ``conformance run``).
"""
