"""The browser surfaces: the parent web chat and widget, and the volunteer console."""
