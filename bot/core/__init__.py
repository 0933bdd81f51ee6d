"""The channel-agnostic conversation engine (issue #3). Imports neither telegram nor aiohttp."""
