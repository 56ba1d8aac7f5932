"""The package as users get it: the sdist and the wheel, installed into fresh environments."""
