"""Embedded reference servers: faithful implementations of each profile's surface.

Each app module exposes ``create_app(*, faults, tolerances, rate_limit)``, ``FAULTS``
(one switch per clause id of its profile) and ``TOLERANCES`` (allowed variations).
"""
