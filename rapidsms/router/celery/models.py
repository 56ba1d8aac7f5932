"""No models: RapidSMS 2.x had this empty module, kept so that importing it still works."""
