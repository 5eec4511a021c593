"""How updates reach the bot: getUpdates (long polling, with Telegram's 409 conflicts) or a
webhook (setWebhook, deleteWebhook and the pushes Telegram makes to it)."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from benchmarks.fakes.telegram.methods.common import ApiError, int_param
from benchmarks.fakes.telegram.state import State

JSON = dict[str, Any]

GETUPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
# setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def get_updates(state: State, params: JSON) -> list[JSON]:
    """Updates from ``offset`` on, waiting up to ``timeout`` seconds for one to arrive; a newer
    getUpdates ends a waiting one with 409, as a second bot instance does on Telegram."""
    if state.webhook_url:
        raise ApiError(409, _WEBHOOK_CONFLICT)
    offset = int_param(params, "offset", 0)
    limit = min(max(int_param(params, "limit", 100), 1), 100)
    timeout = params.get("timeout", 0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        timeout = 0
    allowed = params.get("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed updates JSON object")
        # Telegram remembers allowed_updates for later calls that omit it.
        state.allowed_updates = {str(kind) for kind in allowed} or None
    state.poll_generation += 1
    generation = state.poll_generation
    state.cond.notify_all()  # terminates an older pending getUpdates with 409
    if offset > 0:
        state.updates = [u for u in state.updates if u["update_id"] >= offset]
    elif offset < 0:
        state.updates = state.updates[offset:]
    deadline = time.monotonic() + max(float(timeout), 0.0)
    while True:
        state.drop_disallowed_updates()
        if state.updates or state.stopping:
            break
        if generation != state.poll_generation:
            raise ApiError(409, GETUPDATES_CONFLICT)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        state.cond.wait(remaining)
    return copy.deepcopy(state.updates[:limit])


def set_webhook(state: State, params: JSON) -> bool:
    url = params.get("url") or ""
    if url and not str(url).startswith("https://"):
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook_url = str(url)
    state.webhook_secret = str(secret) if secret is not None else None
    if isinstance(params.get("allowed_updates"), list):
        state.allowed_updates = {str(kind) for kind in params["allowed_updates"]} or None
    state.cond.notify_all()
    return True


def delete_webhook(state: State, params: JSON) -> bool:
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook_url = ""
    state.webhook_secret = None
    return True


def push_webhooks(state: State, proxy: str, connections: int = 1) -> None:
    """Until the fake stops: POST the queued updates to the webhook, oldest first, with the
    secret token header, dropping each once the bot answers 2xx and retrying it otherwise.

    ``connections`` deliveries are under way at once at most, as Telegram's max_connections
    (setWebhook; 40 by default) allows: one thread picks the oldest update not being delivered
    for each free connection, and after a failure that update waits before it is tried again.
    Each outcome wakes the fake's waiters (``wait_until``). ``proxy``
    ("http://127.0.0.1:PORT") plays the reverse proxy in front of the bot: the webhook's public
    https URL keeps its path and is sent there over plain HTTP.
    """
    if connections < 1:
        raise ValueError(f"connections must be at least 1, got {connections}")
    free = threading.Semaphore(connections)
    pushing: set[int] = set()  # update ids being delivered (or waiting to be retried) now
    with ThreadPoolExecutor(connections, thread_name_prefix="fake-telegram-webhook") as pool:
        while not state.stopping:
            if not free.acquire(timeout=0.05):
                continue
            with state.cond:
                state.drop_disallowed_updates()
                url = state.webhook_url
                oldest = next((u for u in state.updates if u["update_id"] not in pushing), None)
                if not url or oldest is None:
                    free.release()
                    state.cond.wait(0.05)
                    continue
                update = copy.deepcopy(oldest)
                pushing.add(update["update_id"])
                target = proxy.rstrip("/") + (urlsplit(url).path or "/")
                pool.submit(_push, state, target, update, state.webhook_secret, pushing, free)


def _push(
    state: State,
    url: str,
    update: JSON,
    secret: str | None,
    pushing: set[int],
    free: threading.Semaphore,
) -> None:
    """One delivery of ``update`` (see ``push_webhooks``), then its connection is free."""
    try:
        status = _post(url, update, secret)
        with state.cond:
            state.deliveries.append({"update_id": update["update_id"], "status": status})
            if 200 <= status < 300:
                state.updates = [u for u in state.updates if u["update_id"] != update["update_id"]]
                pushing.discard(update["update_id"])
            state.cond.notify_all()  # a delivery is news to the fake's waiters
        if not 200 <= status < 300:
            state.stop_event.wait(0.2)  # Telegram backs off before trying again
            with state.cond:
                pushing.discard(update["update_id"])
    finally:
        free.release()


def _post(url: str, update: JSON, secret: str | None) -> int:
    """The HTTP status the bot answered a pushed update with; 0 when it could not be reached."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        url, data=json.dumps(update).encode("utf-8"), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0
