import pytest
from django.contrib.auth.models import User


@pytest.fixture
def staff_user(db):
    return User.objects.create_user("staff", password="correct horse battery", is_staff=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("admin", "admin@example.org", "correct horse battery")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _member(username, group_name):
    from django.contrib.auth.models import Group

    user = User.objects.create_user(username, password="correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return _member("editor", "Editors")


@pytest.fixture
def reviewer(db):
    return _member("reviewer", "Reviewers")
