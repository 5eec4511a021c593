"""Webhook mode: a delivery is answered 200 only once its update was handled, and each update is
handled by one replica, however often Telegram delivers it.

python-telegram-bot's own webhook server (``Application.run_webhook``) answers 200 as soon as
an update is queued: a replica that dies after that loses the question, and an update
delivered again (Telegram retries when an answer is slow) is handled again. Here each delivery
goes through ``UpdateDesk.deliver``:

1. the update is claimed in the knowledge base's store (``KnowledgeService.claim_update``): the
   claim names this replica and holds for ``LEASE`` seconds, renewed while it is handled;
2. an update handled already is answered 200 and nothing is sent; one another replica (or this
   one) is handling is answered 503, so Telegram delivers it again later; one whose claim ran
   out (its replica died) is taken over;
3. the update is handled (PTB's handlers, awaited to the end), recorded as finished, and only
   then answered 200.

What is left: a replica killed after its handler sent the answer and before the store recorded
the update as finished (a few milliseconds: one statement) leaves a claim that runs out, and the
redelivery is answered a second time. Killed at any other moment, nothing is lost and nothing
sent twice. A stop (SIGTERM) stops taking deliveries and lets those under way finish.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import secrets
import signal
import socket
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.config import Settings
from bot.context import BotApplication
from bot.ops import Metrics
from knowledge.errors import KnowledgeError
from knowledge.interface import KnowledgeService

log = logging.getLogger(__name__)

# How long a claim holds without being renewed: how soon an update whose replica died is taken
# over by another (Telegram's next delivery after that). Renewed while the update is handled, so
# a long upload keeps its claim.
LEASE = 10.0
RENEW_EVERY = LEASE / 4
# Telegram keeps an update it could not deliver for 24 hours: older claims are forgotten.
KEEP_DELIVERIES = 24 * 3600.0
FORGET_EVERY = 3600.0
# At a stop, the deliveries under way get this long to finish.
STOP_GRACE = 20.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def replica_id() -> str:
    """This process's name in the claims it makes: host, process id and a random part (a
    restarted replica with the same pid is another claimant)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


class UpdateDesk:
    """Telegram's deliveries to one replica: each claimed, handled, recorded, then answered
    (see the module docstring). ``deliver`` gives the HTTP status to answer with."""

    def __init__(
        self,
        app: BotApplication,
        kb: KnowledgeService,
        *,
        secret: str | None,
        metrics: Metrics,
        owner: str | None = None,
    ) -> None:
        self._app = app
        self._kb = kb
        self._secret = secret
        self._metrics = metrics
        self.owner = owner or replica_id()
        self._working: set[int] = set()  # update ids being handled here
        self._deliveries: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def deliver(self, body: bytes, token: str | None, content_type: str | None) -> int:
        """The HTTP status for one delivery, after its update was handled when it was ours to
        handle: 403 without the secret token (or not JSON), 400 for a body that is no update,
        503 while another claim holds it, the store is out of reach or this replica stops."""
        if content_type != "application/json" or not self._authentic(token):
            return 403
        if self._stopping:
            return 503
        try:
            data = json.loads(body)
            update_id = int(data["update_id"])
        except (ValueError, KeyError, TypeError):
            return 400
        task = asyncio.current_task()
        if task is not None:
            self._deliveries.add(task)
        try:
            return await self._handle(update_id, data)
        finally:
            if task is not None:
                self._deliveries.discard(task)

    def _authentic(self, token: str | None) -> bool:
        if self._secret is None:
            return True
        return token is not None and hmac.compare_digest(token.encode(), self._secret.encode())

    async def _handle(self, update_id: int, data: dict[str, Any]) -> int:
        bot = self._app.bot
        try:
            claim = await asyncio.to_thread(
                self._kb.claim_update, bot.id, update_id, self.owner, LEASE
            )
        except KnowledgeError as exc:
            log.warning("could not claim update %s; it will come again: %s", update_id, exc)
            return 503
        self._metrics.inc("citebot_webhook_deliveries_total", claim=claim)
        if claim == "finished":
            return 200
        if claim == "busy":
            return 503
        if claim == "taken_over":
            log.info("update %s: its replica's claim ran out, handling it here", update_id)
        self._working.add(update_id)
        try:
            update = Update.de_json(data, bot)
            await self._app.update_processor.process_update(
                update, self._app.process_update(update)
            )
        except Exception:  # the handlers' own errors go to on_error: this is PTB or the JSON
            log.exception("update %s could not be handled; dropped", update_id)
        finally:
            self._working.discard(update_id)
        try:
            await asyncio.to_thread(self._kb.finish_update, bot.id, update_id, self.owner)
        except KnowledgeError as exc:
            # Answered already: a 200 keeps Telegram from delivering it again.
            log.warning("update %s handled but not recorded as handled: %s", update_id, exc)
        return 200

    async def keep_claims(self) -> None:
        """Forever: renew the claims on the updates being handled here, every RENEW_EVERY."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            if not self._working:
                continue
            try:
                await asyncio.to_thread(
                    self._kb.renew_claims,
                    self._app.bot.id,
                    sorted(self._working),
                    self.owner,
                    LEASE,
                )
            except KnowledgeError as exc:
                log.warning("could not renew the claims on updates being handled: %s", exc)

    async def forget_old(self) -> None:
        """Forever: drop the claims and rate-limit windows older than KEEP_DELIVERIES."""
        while True:
            await asyncio.sleep(FORGET_EVERY)
            try:
                dropped = await asyncio.to_thread(self._kb.forget_shared, KEEP_DELIVERIES)
                log.debug("forgot %d old deliveries and rate-limit windows", dropped)
            except KnowledgeError as exc:
                log.warning("could not forget old deliveries: %s", exc)

    async def stop(self, grace: float) -> None:
        """Take no more deliveries (503), and wait up to ``grace`` seconds for those under way."""
        self._stopping = True
        if self._deliveries:
            await asyncio.wait(set(self._deliveries), timeout=grace)


class _Endpoint(tornado.web.RequestHandler):
    """The webhook's one URL: POST a delivery, get the status ``UpdateDesk.deliver`` gives."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, desk: UpdateDesk) -> None:  # tornado's hook for handler arguments
        self.desk = desk

    async def post(self) -> None:
        headers = self.request.headers
        self.set_status(
            await self.desk.deliver(
                self.request.body, headers.get(SECRET_HEADER), headers.get("Content-Type")
            )
        )


def _quiet(handler: tornado.web.RequestHandler) -> None:
    """No access log: a line per delivery says nothing the metrics do not."""


def serve_webhook(app: BotApplication, settings: Settings, kb: KnowledgeService) -> None:
    """``citebot serve`` in webhook mode: listen on ``webhook_listen:webhook_port`` for the
    path of ``webhook_url``, register the URL (and secret) with Telegram, and serve until
    SIGINT or SIGTERM; ``app`` is initialized already (bot.startup.reach_bot_api), on the
    event loop this runs on."""
    loop = asyncio.get_event_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        loop.run_until_complete(_serve(app, settings, kb, stop))
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def _serve(
    app: BotApplication, settings: Settings, kb: KnowledgeService, stop: asyncio.Event
) -> None:
    url = settings.webhook_url or ""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    desk = UpdateDesk(app, kb, secret=secret, metrics=app.bot_data.metrics)
    path = "/" + urlsplit(url).path.strip("/")
    web = tornado.web.Application(
        [(re.escape(path.rstrip("/")) + "/?", _Endpoint, {"desk": desk})], log_function=_quiet
    )
    server = tornado.httpserver.HTTPServer(web)
    server.listen(settings.webhook_port, address=settings.webhook_listen)
    chores: list[asyncio.Task[None]] = []
    try:
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        # Listening before Telegram is told where to deliver.
        await app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
        )
        log.info("webhook replica %s taking deliveries", desk.owner)
        chores = [asyncio.create_task(desk.keep_claims()), asyncio.create_task(desk.forget_old())]
        await stop.wait()
    finally:
        server.stop()
        await desk.stop(STOP_GRACE)
        for chore in chores:
            chore.cancel()
        await server.close_all_connections()
        if app.running:
            await app.stop()
        await app.shutdown()
