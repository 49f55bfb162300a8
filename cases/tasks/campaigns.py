"""Campaign detection tasks."""
