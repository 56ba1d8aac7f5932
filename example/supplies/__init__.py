"""The example's SMS app: health workers report medicine stock by SMS.

It also holds the ``demo_setup`` command that ``make demo`` runs.
"""
