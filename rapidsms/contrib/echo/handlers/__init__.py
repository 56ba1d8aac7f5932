"""The echo app's handlers: one class per module, as handler discovery expects."""
