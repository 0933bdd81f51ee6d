"""Handoff to advisors and buddies: queue, routing and relay (issue #4)."""
