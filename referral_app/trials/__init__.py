"""The trial catalogue: trials, their sites, search and import."""
