"""The example project that ``make demo`` serves: RapidSMS with a message tester on SQLite."""
