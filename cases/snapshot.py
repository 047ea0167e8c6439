"""
Reading many queries as of one moment: what a long read (an export streamed a batch at a time)
needs so that changes committed meanwhile neither cut it short nor mix two states of the casebook.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def read_snapshot(using=DEFAULT_DB_ALIAS):
    """
    Run the block in one read-only transaction that sees the database as it was at its first
    query, whatever other connections commit meanwhile.

    On PostgreSQL the transaction is REPEATABLE READ, READ ONLY, set as its first statement (as
    PostgreSQL requires). On SQLite it is a deferred transaction: in WAL mode it reads one
    snapshot without taking the write lock, so editors' saves go on meanwhile (the settings make
    every other transaction IMMEDIATE, which would hold them up for the whole read). Inside a
    transaction already open, that transaction decides what the block sees.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()  # connecting sets the transaction mode from the settings again
    configured_mode = getattr(connection, "transaction_mode", None)
    if connection.vendor == "sqlite":
        connection.transaction_mode = "DEFERRED"
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "sqlite":
                connection.transaction_mode = configured_mode  # only this transaction is deferred
            elif connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        if connection.vendor == "sqlite":
            connection.transaction_mode = configured_mode
