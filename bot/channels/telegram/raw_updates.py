"""Updates read one by one when PTB cannot read a batch (a field it does not know yet): the
readable ones are kept, the others skipped past, so one odd update never makes the bot deaf."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update
from telegram.warnings import PTBUserWarning

log = logging.getLogger(__name__)


class _NoRawData(logging.Filter):
    """PTB logs a batch it cannot parse with the received data (message texts): dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


for _name in ("telegram.Bot", "telegram.ext.ExtBot"):
    logging.getLogger(_name).addFilter(_NoRawData())


async def read_singly(
    bot: Bot, offset: int | None, allowed: Sequence[str], read_timeout: float
) -> tuple[list[Update], int | None]:
    """The batch at `offset` fetched raw and parsed update by update: (the readable updates,
    the offset after the whole batch, or None when it was empty)."""
    kwargs: dict[str, Any] = {"timeout": 0, "allowed_updates": list(allowed)}
    if offset is not None:
        kwargs["offset"] = offset
    with warnings.catch_warnings():  # "use Bot.get_updates": that is what cannot read it
        warnings.simplefilter("ignore", PTBUserWarning)
        raw = await bot.do_api_request("getUpdates", api_kwargs=kwargs, read_timeout=read_timeout)
    readable: list[Update] = []
    last: int | None = None
    for data in raw if isinstance(raw, list) else []:
        if isinstance(data, dict) and isinstance(data.get("update_id"), int):
            last = max(last or 0, data["update_id"])
        try:
            update = Update.de_json(data, bot)
        except Exception as error:  # never the data itself in a log line
            log.warning("telegram: an update could not be read (%s); skipped", type(error).__name__)
            continue
        if update is not None:
            readable.append(update)
    return readable, (last + 1 if last is not None else None)
