"""The gateway kit as a gateway written outside this repository uses it."""
