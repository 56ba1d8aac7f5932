def on_signal(**kwargs):
    """An unrelated function in a module that happens to be called handlers."""
