"""SMS apps that ship with RapidSMS."""
