import sqlite3

import pytest
from django.contrib.auth.models import User
from django.db import connection


class DatabaseSnapshots:
    """
    Copies of the SQLite test database, taken with SQLite's backup API and put back the same way
    in milliseconds: "migrated" as the migrations leave it (groups and their permissions
    included), "casebook" with the shipped content loaded, which takes seconds to load and is
    loaded once per test process. Only for tests with `transactional_db`: a copy cannot be put
    back inside the transaction a `db` test runs in.
    """

    def __init__(self, folder):
        self.folder = folder

    def _path(self, name):
        return self.folder / f"{name}.sqlite3"

    def save(self, name):
        connection.ensure_connection()
        with sqlite3.connect(self._path(name)) as copy:
            connection.connection.backup(copy)

    def restore(self, name):
        if name == "casebook" and not self._path(name).exists():
            from cases.content_loader import load_content

            self.restore("migrated")
            load_content()
            self.save("casebook")
            return
        connection.ensure_connection()
        with sqlite3.connect(self._path(name)) as copy:
            copy.backup(connection.connection)


@pytest.fixture(scope="session")
def snapshot_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("snapshots")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, snapshot_folder):
    """The test database, and on SQLite a copy of it as migrated (see DatabaseSnapshots)."""
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            DatabaseSnapshots(snapshot_folder).save("migrated")


@pytest.fixture
def database_snapshots(transactional_db, snapshot_folder):
    """DatabaseSnapshots on SQLite, None elsewhere (where the tests load what they need)."""
    return DatabaseSnapshots(snapshot_folder) if connection.vendor == "sqlite" else None


@pytest.fixture
def shipped_casebook(database_snapshots):
    """The shipped content, committed (a `transactional_db` test); on SQLite copied in after its first load."""
    if database_snapshots:
        database_snapshots.restore("casebook")
    else:
        from cases.content_loader import load_content

        load_content()


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
