"""Pages anyone can read: communities, centres and the trial directory."""
