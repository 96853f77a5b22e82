"""Login, logout, sessions and per-user preferences."""
