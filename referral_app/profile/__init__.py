"""The user's profile: personal API tokens."""
