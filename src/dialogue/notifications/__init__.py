"""E-mail to and from the people of a dialogue: notifications, the outbox, replies."""
