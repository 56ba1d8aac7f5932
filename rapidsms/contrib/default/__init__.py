"""Answers the messages no other app handled with ``DEFAULT_RESPONSE``. Install it last."""
