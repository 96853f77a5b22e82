"""In-app notifications, the outbox admin page and the development mailbox."""
