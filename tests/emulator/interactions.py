"""Interactions: the Reply a member gets back, and the callback/followup/original-message endpoints."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import (
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_LOADING,
    Channel,
    Guild,
    Member,
    Message,
    User,
    message_text,
)
from .rest import (
    EMULATOR,
    DiscordError,
    _body,
    _check_content,
    _uploads,
    _uploads_to_attachments,
    apply_edit,
    delete_message,
    invalid_form,
    json_response,
    publish,
    unknown,
)

if TYPE_CHECKING:
    from .server import Emulator


class InteractionType:
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class Callback:
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


TOKEN_LIFETIME = 15 * 60
FOLLOWUP_FLAGS = MESSAGE_FLAG_EPHEMERAL | (1 << 2) | (1 << 12) | (1 << 15)


class Reply:
    """What the bot answered to one interaction: the original response, followups, a modal or choices."""

    def __init__(
        self,
        emu: Emulator,
        *,
        interaction_id: int,
        token: str,
        type: int,
        data: dict[str, Any],
        user: User,
        member: Member | None,
        channel: Channel,
        guild: Guild | None,
        label: str,
        source_message: Message | None = None,
    ) -> None:
        self.emu = emu
        self.id = interaction_id
        self.token = token
        self.type = type
        self.data = data
        self.user = user
        self.member = member
        self.channel = channel
        self.guild = guild
        self.label = label  # e.g. "/spoilers rule add" or "button 'Going'"
        self.source_message = source_message
        self.created = time.monotonic()
        self.created_wall = time.time()
        self.callback_type: int | None = None
        self.message: Message | None = None  # the original response (for components: the message clicked)
        self.followups: list[Message] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.payload: dict[str, Any] = {}

    # ----- reading the answer

    @property
    def acknowledged(self) -> bool:
        return self.callback_type is not None

    @property
    def deferred(self) -> bool:
        return self.callback_type in (Callback.DEFERRED_CHANNEL_MESSAGE, Callback.DEFERRED_UPDATE_MESSAGE)

    @property
    def messages(self) -> list[Message]:
        """Original response then followups (a followup that replaced a 'thinking' message counted once)."""
        out: list[Message] = []
        for m in ([self.message] if self.message is not None else []) + self.followups:
            if m not in out:
                out.append(m)
        return out

    @property
    def content(self) -> str:
        return self.message.content if self.message is not None else ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.message.embeds if self.message is not None else []

    @property
    def embed(self) -> dict[str, Any]:
        assert self.embeds, f"{self.label}: the reply has no embed. {self.describe()}"
        return self.embeds[0]

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.message.components if self.message is not None else []

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.messages for b in m.buttons]

    @property
    def flags(self) -> int:
        return self.message.flags if self.message is not None else 0

    @property
    def ephemeral(self) -> bool:
        return self.message is not None and self.message.ephemeral

    @property
    def attachments(self) -> list[Any]:
        return [a for m in self.messages for a in m.attachments]

    @property
    def text(self) -> str:
        """Every message of the answer (original and followups) as text, plus the modal's title if any."""
        parts = [m.text for m in self.messages]
        if self.modal is not None:
            parts.append(message_text(self.modal.get("title"), [], self.modal.get("components") or []))
        return "\n".join(p for p in parts if p)

    def describe(self) -> str:
        state = "not acknowledged" if self.callback_type is None else f"callback type {self.callback_type}"
        shown = "\n".join(
            f"  - {'(ephemeral) ' if m.ephemeral else ''}{m.text[:300]!r}" for m in self.messages
        )
        return f"{self.label}: {state}; messages:\n{shown or '  (none)'}"

    # ----- waiting

    def complete(self) -> bool:
        t = self.callback_type
        if t is None:
            return False
        if t == Callback.DEFERRED_CHANNEL_MESSAGE:
            return (
                self.message is None
                or not self.message.loading
                or self.message.deleted
                or bool(self.followups)
            )
        return True

    async def wait(self, timeout: float = 10.0) -> Reply:
        await self._wait(self.complete, timeout, "an answer")
        return self

    async def wait_for(
        self, predicate: Callable[[Reply], bool], timeout: float = 10.0, what: str = "the expected answer"
    ) -> Reply:
        """Wait until `predicate(reply)` holds (e.g. after a deferred update, for the edit to land)."""
        await self._wait(lambda: predicate(self), timeout, what)
        return self

    async def next_followup(self, timeout: float = 10.0) -> Message:
        count = len(self.followups)
        await self._wait(lambda: len(self.followups) > count, timeout, "a followup")
        return self.followups[count]

    async def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            await self.emu.wait_until(condition, timeout, what)
        except AssertionError:
            raise AssertionError(
                f"the bot did not give {what} to {self.label} within {timeout}s ({self.describe()})\n"
                f"{self.emu.describe_activity(since=self.created_wall)}"
            ) from None

    def __repr__(self) -> str:
        return f"<Reply {self.label} callback={self.callback_type} text={self.text[:80]!r}>"


# ---------------------------------------------------------------------------------------------- endpoints


def _reply(emu: Emulator, token: str) -> Reply:

    reply = emu.interactions.get(token)
    if reply is None:
        raise unknown("Webhook")
    if time.monotonic() - reply.created > TOKEN_LIFETIME:
        raise DiscordError(401, 50027, "Invalid Webhook Token")
    return reply


def _response_message(
    emu: Emulator, reply: Reply, body: dict[str, Any], uploads: list[Any], *, loading: bool = False
) -> Message:

    msg_type = 0
    if reply.type == InteractionType.APPLICATION_COMMAND:
        msg_type = 20 if int(reply.data.get("type") or 1) == 1 else 23
    flags = int(body.get("flags") or 0) & FOLLOWUP_FLAGS
    if loading:
        flags |= MESSAGE_FLAG_LOADING
    metadata: dict[str, Any] = {
        "id": str(reply.id),
        "type": reply.type,
        "user": reply.user.payload(),
        "authorizing_integration_owners": reply.payload.get("authorizing_integration_owners", {}),
    }
    if reply.type == InteractionType.APPLICATION_COMMAND:
        metadata["name"] = reply.data.get("name")
        metadata["command_type"] = int(reply.data.get("type") or 1)
    attachments = _uploads_to_attachments(
        emu, reply.channel, body, uploads, ephemeral=bool(flags & MESSAGE_FLAG_EPHEMERAL)
    )
    message = emu.new_message(
        reply.channel,
        emu.bot_user,
        {**body, "flags": flags},
        attachments=attachments,
        webhook_id=emu.application_id,
        msg_type=msg_type,
        interaction_metadata=metadata,
    )
    message.application_id = emu.application_id
    return message


async def interaction_callback(request: web.Request) -> web.Response:

    emu: Emulator = request.app[EMULATOR]
    reply = emu.interactions.get(request.match_info["token"])
    if reply is None or str(reply.id) != request.match_info["interaction_id"]:
        raise unknown("Interaction")
    elapsed = time.monotonic() - reply.created
    if elapsed > emu.interaction_ack_timeout and reply.callback_type is None:
        emu.violations.append(
            f"{reply.label}: acknowledged after {elapsed:.2f}s "
            f"(Discord allows {emu.interaction_ack_timeout:.0f}s)"
        )
        raise unknown("Interaction")
    if reply.callback_type is not None:
        raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
    body = _body(request)
    uploads = _uploads(request)
    kind = int(body.get("type") or 0)
    data = body.get("data") or {}
    allowed = {
        InteractionType.APPLICATION_COMMAND: {4, 5, 9},
        InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
        InteractionType.AUTOCOMPLETE: {8},
        InteractionType.MODAL_SUBMIT: {4, 5} | ({6, 7} if reply.source_message is not None else set()),
    }[reply.type]
    if kind not in allowed:
        emu.violations.append(
            f"{reply.label}: callback type {kind} is not valid for interaction type {reply.type}"
        )
        raise invalid_form("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type")
    resource: dict[str, Any] = {"type": kind}
    if kind == Callback.CHANNEL_MESSAGE:
        _check_content(data, uploads)
        reply.message = publish(emu, _response_message(emu, reply, data, uploads))
    elif kind == Callback.DEFERRED_CHANNEL_MESSAGE:
        reply.message = publish(emu, _response_message(emu, reply, data, uploads, loading=True))
    elif kind == Callback.DEFERRED_UPDATE_MESSAGE:
        reply.message = reply.source_message
    elif kind == Callback.UPDATE_MESSAGE:
        _check_content(data, uploads, require_something=False)
        assert reply.source_message is not None
        reply.message = apply_edit(emu, reply.source_message, data, uploads)
    elif kind == Callback.AUTOCOMPLETE_RESULT:
        choices = data.get("choices")
        if not isinstance(choices, list):
            raise invalid_form("data.choices", "BASE_TYPE_REQUIRED", "This field is required")
        reply.choices = choices
    elif kind == Callback.MODAL:
        reply.modal = data
    reply.callback_type = kind
    if reply.message is not None and kind in (4, 5, 7):
        resource["message"] = reply.message.payload()
    emu._notify()
    return json_response(
        {
            "interaction": {
                "id": str(reply.id),
                "type": reply.type,
                "response_message_id": str(reply.message.id) if reply.message is not None else None,
                "response_message_loading": kind == Callback.DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": reply.message is not None and reply.message.ephemeral,
            },
            "resource": resource,
        }
    )


async def followup(request: web.Request) -> web.Response:

    emu: Emulator = request.app[EMULATOR]
    reply = _reply(emu, request.match_info["token"])
    if reply.callback_type is None or reply.callback_type in (Callback.AUTOCOMPLETE_RESULT, Callback.MODAL):
        raise DiscordError(404, 10015, "Unknown Webhook")
    body = _body(request)
    uploads = _uploads(request)
    _check_content(body, uploads)
    original = reply.message
    if reply.callback_type == Callback.DEFERRED_CHANNEL_MESSAGE and original is not None and original.loading:
        # Discord: the first followup after a "thinking" defer replaces the thinking message
        message = apply_edit(emu, original, body, uploads)
    else:
        message = publish(emu, _response_message(emu, reply, body, uploads))
    reply.followups.append(message)
    emu._notify()
    return json_response(message.payload())


async def interaction_message(request: web.Request) -> web.Response:

    emu: Emulator = request.app[EMULATOR]
    reply = _reply(emu, request.match_info["token"])
    raw = request.match_info["message_id"]
    if raw == "@original":
        message = reply.message
    else:
        message = next((m for m in reply.messages if str(m.id) == raw), None)
    if message is None or message.deleted:
        raise unknown("Message")
    if request.method == "GET":
        return json_response(message.payload())
    if request.method == "DELETE":
        delete_message(emu, message)
        return web.Response(status=204)
    body = _body(request)
    _check_content(body, _uploads(request), require_something=False)
    apply_edit(emu, message, body, _uploads(request))
    return json_response(message.payload())


def now() -> datetime:
    return datetime.now(UTC)
