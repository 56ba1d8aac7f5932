"""Tests of the gateway backends and the bases they share."""
