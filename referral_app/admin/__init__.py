"""Network administration: centres, communities, users and the audit log."""
