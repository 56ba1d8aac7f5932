"""Fixtures of the page tests: a user, and a client logged in as that user."""

from __future__ import annotations

import pytest
from django.test import Client

from rapidsms.router.api import reset_router


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("amina", password="not-secret-123")


@pytest.fixture
def logged_in(client: Client, user) -> Client:
    """A test client with a logged-in (non-staff) user."""
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def fresh_router():
    """Build the project's router anew for each test: apps keep state per router."""
    reset_router()
    yield
    reset_router()
