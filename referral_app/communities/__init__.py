"""Communities of practice: pages for members, membership and join requests."""
