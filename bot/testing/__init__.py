"""The transcript kit: fakes, `expect=` checks, a pytest plugin and `*.transcript` files.

A helpline's own tests add `pytest_plugins = ["bot.testing.plugin"]` to their conftest.py;
see bot/testing/README.md. The bot never imports this package."""
