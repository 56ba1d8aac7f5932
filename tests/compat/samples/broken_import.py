"""A module that exists but fails to import: try_import() must not hide the failure."""

import a_module_that_is_nowhere_to_be_found  # noqa: F401
