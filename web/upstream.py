"""Forwarding to the Rasa server(s): POST /webhooks/prescreen/webhook, nothing else.

urllib3 (already pinned for requests) in a worker thread keeps the front free of another HTTP
client. Several upstream base URLs are tried in turn when one cannot be reached; a reply,
whatever its status, is passed on as it is (Rasa's own 401/403/400 reach the caller).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass

import urllib3

from web.settings import WEBHOOK_PATH

logger = logging.getLogger(__name__)


class UpstreamDown(Exception):
    """No Rasa server could be reached."""


@dataclass(frozen=True)
class UpstreamReply:
    status: int
    body: bytes
    content_type: str


class Upstream:
    def __init__(self, bases: tuple[str, ...], timeout: float) -> None:
        self.bases = bases
        self._turn = itertools.cycle(range(len(bases)))
        self._pool = urllib3.PoolManager(
            num_pools=max(2, len(bases)),
            maxsize=16,
            retries=False,
            timeout=urllib3.Timeout(connect=5.0, read=timeout),
        )

    def _post(self, base: str, body: bytes, authorization: str | None) -> UpstreamReply:
        headers = {"Content-Type": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        r = self._pool.request("POST", base + WEBHOOK_PATH, body=body, headers=headers, preload_content=True)
        return UpstreamReply(r.status, r.data, r.headers.get("Content-Type", "application/json"))

    async def post(self, body: bytes, authorization: str | None) -> UpstreamReply:
        loop = asyncio.get_running_loop()
        first = next(self._turn)
        order = [self.bases[(first + i) % len(self.bases)] for i in range(len(self.bases))]
        for base in order:
            try:
                return await loop.run_in_executor(None, self._post, base, body, authorization)
            except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as e:
                logger.warning("upstream %s unreachable: %s", base, type(e).__name__)
            except urllib3.exceptions.HTTPError as e:
                # A read timeout or a dropped connection mid-turn: the turn may have run; do not
                # send it twice to another server.
                raise UpstreamDown(type(e).__name__) from None
        raise UpstreamDown("no upstream reachable")
