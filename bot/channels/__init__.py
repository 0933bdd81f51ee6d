"""Channel adapters: translate between a platform and the engine's messages, at the edge."""
