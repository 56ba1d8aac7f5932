"""Answers messages no other app handled with ``DEFAULT_RESPONSE``. Install it last."""
