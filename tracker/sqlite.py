"""The embedded SQLite database (development and tests): write-ahead logging on every file."""

import sqlite3
import time


def use_write_ahead_log(sender, connection, **kwargs):
    """Switch a new connection's SQLite file to write-ahead logging.

    The mode is kept in the file, so once it is on this costs one statement. The switch
    itself needs the file to itself, and SQLite refuses it at once, without waiting out
    the busy timeout, when another process opens the same new file at that moment: so a
    refusal is retried until the timeout, by which time one of them has switched it.
    """
    if connection.vendor != "sqlite":
        return
    deadline = time.monotonic() + connection.settings_dict["OPTIONS"].get("timeout", 5)
    while True:
        try:
            connection.connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
