"""Ouderlijn: the bot's composition root, configuration, command line and (later) channels."""
