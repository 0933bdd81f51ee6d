"""Raw SQL for tests, benchmarks and admin scripts that reach rows the contract does not expose."""

from __future__ import annotations

from typing import cast

from bot.storage.contract import Tx
from bot.storage.sql.executor import Sql
from bot.storage.sql.unit import SqlTx


def sql_of(tx: Tx) -> Sql:
    """The executor behind a unit of work (both backends' Tx is an SqlTx)."""
    return cast(SqlTx, tx).sql
