"""The logged-in home page."""
