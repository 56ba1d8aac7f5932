"""The example's SMS app: health workers report medicine stock by SMS.

It also holds the demo's home page (a small message tester) and the
``demo_setup`` command that ``make demo`` runs.
"""
