"""Backends connect the router to gateways; one subpackage per gateway."""
