"""Anonymous statistics for coordinators: figures from events only, small counts suppressed."""
