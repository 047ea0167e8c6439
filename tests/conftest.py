import sqlite3

import pytest
from django.contrib.auth.models import User
from django.db import connection
from pytest_django.plugin import blocking_manager_key

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


SHIPPED_CASEBOOK_FIXTURES = {"shipped_casebook", "shipped_casebook_for_module"}


# First, before pytest-xdist's own hook reads the groups (with `--dist loadgroup`).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        # The PostgreSQL pass (make test-postgres) runs only the tests that use the database: the
        # others ran in the SQLite pass, and the database under them would change nothing.
        if item.get_closest_marker("django_db") or DATABASE_FIXTURES & fixtures:
            item.add_marker(pytest.mark.database)
        # The tests of the shipped content share one test process (with `--dist loadgroup`), which
        # loads it once for all of them: each process that loads it spends 20 to 30 seconds.
        if SHIPPED_CASEBOOK_FIXTURES & fixtures:
            item.add_marker(pytest.mark.xdist_group("shipped-casebook"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """
    After a test on the committed shipped content, once all its fixtures are gone, the database
    as migrated again. The flush that ends a `transactional_db` test comes last (pytest-django's
    own fixture, set up first), and it empties every table, the editorial groups the migrations
    made included: the tests that share the process with the shipped content's need them. (After
    the process's last test, the session's fixtures have removed the database and its copies.)
    """
    result = yield
    if nextitem is not None and "shipped_casebook" in getattr(item, "fixturenames", ()):
        with item.config.stash[blocking_manager_key].unblock():
            item.config.stash[SNAPSHOTS].restore("migrated")
    return result


class DatabaseSnapshots:
    """
    Copies of the test database, put back in well under a second: "migrated" as the migrations
    leave it (groups and their permissions included), "casebook" with the shipped content
    loaded, which takes seconds to load (tens on PostgreSQL) and is loaded once per test process.

    Putting a copy back replaces the whole database: only for tests with `transactional_db`, or
    for module fixtures set up before a test's transaction begins.
    """

    def save(self, name):
        raise NotImplementedError

    def _put_back(self, name):
        raise NotImplementedError

    def _exists(self, name):
        raise NotImplementedError

    def restore(self, name):
        if name == "casebook" and not self._exists(name):
            from cases.content_loader import load_content

            self.restore("migrated")
            load_content()
            self.save("casebook")
            return
        self._put_back(name)

    def drop_all(self):
        """Remove the copies (PostgreSQL keeps them as databases of the server)."""


class SQLiteSnapshots(DatabaseSnapshots):
    """Files taken and put back with SQLite's backup API."""

    def __init__(self, folder):
        self.folder = folder

    def _path(self, name):
        return self.folder / f"{name}.sqlite3"

    def _exists(self, name):
        return self._path(name).exists()

    def save(self, name):
        connection.ensure_connection()
        with sqlite3.connect(self._path(name)) as copy:
            connection.connection.backup(copy)

    def _put_back(self, name):
        connection.ensure_connection()
        with sqlite3.connect(self._path(name)) as copy:
            copy.backup(connection.connection)


class PostgreSQLSnapshots(DatabaseSnapshots):
    """
    Databases of the same server, made with CREATE DATABASE ... TEMPLATE, which copies a database
    no one is connected to: the test process's own connection is closed first.
    """

    def __init__(self):
        self.database = connection.settings_dict["NAME"]

    def _copy_name(self, name):
        return f"{self.database}_snapshot_{name}"

    def _run(self, *statements):
        connection.close()
        with connection._nodb_cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _exists(self, name):
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self._copy_name(name)])
            return cursor.fetchone() is not None

    def save(self, name):
        copy = connection.ops.quote_name(self._copy_name(name))
        self._run(
            f"DROP DATABASE IF EXISTS {copy}",
            f"CREATE DATABASE {copy} TEMPLATE {connection.ops.quote_name(self.database)}",
        )

    def _put_back(self, name):
        database = connection.ops.quote_name(self.database)
        # FORCE ends the connections a live server's threads may still hold.
        self._run(
            f"DROP DATABASE {database} WITH (FORCE)",
            f"CREATE DATABASE {database} TEMPLATE {connection.ops.quote_name(self._copy_name(name))}",
        )

    def drop_all(self):
        for name in ("migrated", "casebook"):
            self._run(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(self._copy_name(name))}")


def snapshots_of_the_test_database(folder):
    return SQLiteSnapshots(folder) if connection.vendor == "sqlite" else PostgreSQLSnapshots()


@pytest.fixture(scope="session")
def snapshot_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("snapshots")


SNAPSHOTS = pytest.StashKey[DatabaseSnapshots]()


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, snapshot_folder):
    """The test database, and a copy of it as migrated (see DatabaseSnapshots)."""
    with django_db_blocker.unblock():
        snapshots = snapshots_of_the_test_database(snapshot_folder)
        snapshots.save("migrated")
    request.config.stash[SNAPSHOTS] = snapshots
    yield
    with django_db_blocker.unblock():
        snapshots.drop_all()


@pytest.fixture
def database_snapshots(transactional_db, snapshot_folder):
    """The test database's DatabaseSnapshots, for a `transactional_db` test."""
    return snapshots_of_the_test_database(snapshot_folder)


@pytest.fixture
def shipped_casebook(database_snapshots):
    """The shipped content, committed (a `transactional_db` test), copied in after its first load."""
    database_snapshots.restore("casebook")


@pytest.fixture(scope="module")
def shipped_casebook_for_module(django_db_setup, django_db_blocker, snapshot_folder):
    """
    The shipped content for a whole module of `db` tests, each in a transaction rolled back after
    it; the database as migrated again after the module.
    """
    with django_db_blocker.unblock():
        snapshots = snapshots_of_the_test_database(snapshot_folder)
        snapshots.restore("casebook")
    yield
    with django_db_blocker.unblock():
        snapshots.restore("migrated")


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
