"""RapidSMS 2.x compatibility: its public names, aliases, templates and tag libraries."""
