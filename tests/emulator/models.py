"""The emulated Discord world: users, guilds, roles, channels, members, messages, and their payloads."""

# Waiting helpers take `timeout=` on purpose: tests read better with a per-call deadline.
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .permissions import Permission, base_permissions, channel_permissions
from .snowflakes import iso, snowflake_time

if TYPE_CHECKING:
    from .interactions import Reply
    from .server import Emulator


class ChannelType:
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_FORUM = 15
    GUILD_MEDIA = 16


THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)
MESSAGEABLE_TYPES = frozenset(
    {
        ChannelType.GUILD_TEXT,
        ChannelType.DM,
        ChannelType.GUILD_VOICE,
        ChannelType.GUILD_ANNOUNCEMENT,
        ChannelType.GUILD_STAGE_VOICE,
    }
    | THREAD_TYPES
)
FORUM_TYPES = frozenset({ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA})

MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7


@dataclass(eq=False, slots=True)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_closed: bool = False
    locale: str = "en-US"  # the member's client language, sent as the interaction's `locale`

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False, slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "description": None,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(int(self.permissions)),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(eq=False, slots=True)
class Channel:
    id: int
    type: int
    name: str | None
    guild: Guild | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    nsfw: bool = False
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    rate_limit_per_user: int = 0
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    # threads
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 10080
    archive_timestamp: str | None = None
    invitable: bool = True
    applied_tags: list[int] = field(default_factory=list)
    thread_member_ids: set[int] = field(default_factory=set)
    message_count: int = 0
    # DMs
    recipient: User | None = None
    deleted: bool = False
    last_message_id: int | None = None
    emu: Emulator | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<Channel #{self.name} id={self.id} type={self.type}>"

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_forum(self) -> bool:
        return self.type in FORUM_TYPES

    @property
    def guild_id(self) -> int | None:
        return self.guild.id if self.guild is not None else None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def parent(self) -> Channel | None:
        if self.guild is None or self.parent_id is None:
            return None
        return self.guild.channel_by_id(self.parent_id)

    def tag_id(self, name: str) -> int:
        """The id of a forum tag, by name."""
        for tag in self.available_tags:
            if tag["name"] == name:
                return int(tag["id"])
        raise KeyError(
            f"forum #{self.name} has no tag {name!r}; tags: {[t['name'] for t in self.available_tags]}"
        )

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "flags": 0}
        if self.type == ChannelType.DM:
            assert self.recipient is not None
            data.update(
                recipients=[self.recipient.payload()],
                last_message_id=_opt_str(self.last_message_id),
            )
            return data
        assert self.guild is not None
        data.update(
            guild_id=str(self.guild.id),
            name=self.name,
            parent_id=_opt_str(self.parent_id),
            rate_limit_per_user=self.rate_limit_per_user,
        )
        if self.is_thread:
            created = snowflake_time(self.id)
            data.update(
                owner_id=_opt_str(self.owner_id),
                last_message_id=_opt_str(self.last_message_id),
                message_count=self.message_count,
                member_count=min(len(self.thread_member_ids), 50),
                total_message_sent=self.message_count,
                applied_tags=[str(t) for t in self.applied_tags],
                thread_metadata={
                    "archived": self.archived,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": self.archive_timestamp or iso(created),
                    "locked": self.locked,
                    "create_timestamp": iso(created),
                    **({"invitable": self.invitable} if self.type == ChannelType.PRIVATE_THREAD else {}),
                },
            )
            return data
        data.update(position=self.position, permission_overwrites=self.overwrites, nsfw=self.nsfw)
        if self.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            data.update(
                topic=self.topic,
                last_message_id=_opt_str(self.last_message_id),
                default_auto_archive_duration=1440,
            )
        elif self.type in (ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE):
            data.update(
                bitrate=64000,
                user_limit=0,
                rtc_region=None,
                video_quality_mode=1,
                last_message_id=_opt_str(self.last_message_id),
            )
        elif self.is_forum:
            data.update(
                topic=self.topic,
                available_tags=self.available_tags,
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
                default_auto_archive_duration=10080,
                last_message_id=_opt_str(self.last_message_id),
            )
        return data

    def thread_member_payload(self, user_id: int) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "user_id": str(user_id),
            "join_timestamp": iso(datetime.now(UTC)),
            "flags": 0,
        }


@dataclass(eq=False, slots=True)
class Attachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        return data


@dataclass(slots=True)
class Pings:
    """Whom a message actually notified (Discord's mention rules with allowed_mentions applied)."""

    users: set[int] = field(default_factory=set)
    roles: set[int] = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


@dataclass(eq=False, slots=True)
class Message:
    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    tts: bool = False
    message_reference: dict[str, Any] | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    edited_at: datetime | None = None
    nonce: str | int | None = None
    pings: Pings = field(default_factory=Pings)
    reactions: dict[str, list[int]] = field(default_factory=dict)
    pinned: bool = False
    deleted: bool = False
    poll: dict[str, Any] | None = None
    author_name_override: str | None = None
    thread: Channel | None = None
    sticker_ids: list[int] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Message id={self.id} in #{self.channel.name} by {self.author.username}: {self.text[:80]!r}>"

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & MESSAGE_FLAG_LOADING)

    @property
    def guild(self) -> Guild | None:
        return self.channel.guild

    @property
    def text(self) -> str:
        """Content plus every embed's title, description, fields, author and footer, one per line."""
        return message_text(self.content, self.embeds, self.components)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in walk_components(self.components) if c.get("type") == 2]

    @property
    def selects(self) -> list[dict[str, Any]]:
        return [c for c in walk_components(self.components) if c.get("type") in (3, 5, 6, 7, 8)]

    @property
    def jump_url(self) -> str:
        guild = self.channel.guild_id or "@me"
        return f"https://discord.com/channels/{guild}/{self.channel.id}/{self.id}"

    def payload(self, *, with_member: bool = False) -> dict[str, Any]:
        author = self.author.payload()
        if self.author_name_override:
            author["username"] = self.author_name_override
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "type": self.type,
            "author": author,
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": self.pings.everyone,
            "mentions": [],
            "mention_roles": [str(r) for r in sorted(self.pings.roles)],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": self.pinned,
            "flags": self.flags,
        }
        guild = self.channel.guild
        if guild is not None:
            data["guild_id"] = str(guild.id)
        emu_users = self.channel.emu.users if self.channel.emu is not None else {}
        for uid in sorted(self.pings.users):
            user = emu_users.get(uid)
            if user is None:
                continue
            mention = user.payload()
            if guild is not None and with_member and uid in guild.members:
                mention["member"] = guild.members[uid].payload(include_user=False)
            data["mentions"].append(mention)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
            ref = self.referenced_message
            if ref is not None and self.message_reference.get("type", 0) == 0:
                data["referenced_message"] = ref.payload()
        if self.reactions:
            data["reactions"] = [
                {
                    "emoji": emoji_payload(e),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": self.channel.emu is not None and self.channel.emu.bot_user.id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for e, users in self.reactions.items()
                if users
            ]
        if self.poll is not None:
            data["poll"] = self.poll
        if self.thread is not None:
            data["thread"] = self.thread.payload()
        if with_member and guild is not None and self.webhook_id is None and self.author.id in guild.members:
            data["member"] = guild.members[self.author.id].payload(include_user=False)
        return data

    @property
    def referenced_message(self) -> Message | None:
        ref_id = (self.message_reference or {}).get("message_id")
        if ref_id is None or self.channel.emu is None:
            return None
        return self.channel.emu.messages.get(int(ref_id))


@dataclass(eq=False)
class Member:
    """A guild member. Test code uses it as the actor: `await member.slash("about")`."""

    user: User
    guild: Guild
    role_ids: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"<Member {self.name} id={self.id} guild={self.guild.name!r}>"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.nick or self.user.global_name or self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    @property
    def roles(self) -> list[Role]:
        return [self.guild.roles[r] for r in self.role_ids if r in self.guild.roles]

    @property
    def permissions(self) -> Permission:
        """Guild-level permissions."""
        everyone = self.guild.roles[self.guild.id].permissions
        return base_permissions(
            is_owner=self.guild.owner_id == self.user.id,
            everyone=everyone,
            role_permissions=[r.permissions for r in self.roles],
        )

    def permissions_in(self, channel: Channel) -> Permission:
        """Permissions in a channel (threads use their parent's overwrites)."""
        if channel.guild is None:
            return Permission(
                Permission.VIEW_CHANNEL
                | Permission.SEND_MESSAGES
                | Permission.READ_MESSAGE_HISTORY
                | Permission.EMBED_LINKS
                | Permission.ATTACH_FILES
                | Permission.ADD_REACTIONS
            )
        target = channel.parent if channel.is_thread and channel.parent is not None else channel
        return channel_permissions(
            self.permissions,
            guild_id=self.guild.id,
            member_id=self.user.id,
            member_role_ids=self.role_ids,
            overwrites=target.overwrites,
        )

    def payload(self, *, include_user: bool = True, channel: Channel | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.role_ids],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if include_user:
            data["user"] = self.user.payload()
        if channel is not None:
            data["permissions"] = str(int(self.permissions_in(channel)))
        return data

    # ----- member actions (implemented in actions.py) -----

    async def slash(
        self, command: str, /, *, channel: Channel | None = None, timeout: float = 10.0, **options: Any
    ) -> Reply:
        """Run a slash command; `command` is the path as words ("spoilers rule add")."""
        from . import actions

        return await actions.slash(self, command, channel=channel, timeout=timeout, options=options)

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str,
        /,
        *,
        channel: Channel | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> list[dict[str, Any]]:
        """Type `value` into `option` of `command`; returns the bot's choices [{name, value}]."""
        from . import actions

        return await actions.autocomplete(
            self, command, option, value, channel=channel, timeout=timeout, options=options
        )

    async def context_menu(
        self, name: str, target: Message | Member | User, /, *, timeout: float = 10.0
    ) -> Reply:
        from . import actions

        return await actions.context_menu(self, name, target, timeout=timeout)

    async def click(self, message: Message | Reply, button: str, /, *, timeout: float = 10.0) -> Reply:
        """Press a button by label or custom_id."""
        from . import actions

        return await actions.click(self, message, button, timeout=timeout)

    async def select(
        self, message: Message | Reply, custom_id: str, values: list[Any], /, *, timeout: float = 10.0
    ) -> Reply:
        from . import actions

        return await actions.select(self, message, custom_id, values, timeout=timeout)

    async def submit_modal(self, reply: Reply, values: dict[str, Any], /, *, timeout: float = 10.0) -> Reply:
        from . import actions

        return await actions.submit_modal(self, reply, values, timeout=timeout)

    async def say(
        self,
        channel: Channel,
        content: str = "",
        /,
        *,
        reply_to: Message | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> Message:
        from . import actions

        return await actions.say(
            self, channel, content, reply_to=reply_to, attachments=attachments, embeds=embeds
        )

    async def start_thread(
        self,
        parent: Channel,
        name: str,
        /,
        *,
        content: str | None = None,
        tags: Sequence[str] = (),
        private: bool = False,
    ) -> Channel:
        """Start a thread in a text channel, or a post (with `content` and `tags`) in a forum."""
        return self.guild.add_thread(
            parent, name, owner=self, private=private, applied_tags=tags, content=content
        )

    async def dm(self, content: str, /) -> Message:
        """Send the bot a direct message."""
        from . import actions

        return await actions.dm(self, content)

    async def edit(self, message: Message, content: str, /) -> Message:
        from . import actions

        return await actions.edit(self, message, content)

    async def delete(self, message: Message, /) -> None:
        from . import actions

        await actions.delete(self, message)

    async def react(self, message: Message, emoji: str, /) -> None:
        from . import actions

        await actions.react(self, message, emoji)

    async def unreact(self, message: Message, emoji: str, /) -> None:
        from . import actions

        await actions.unreact(self, message, emoji)


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    _emu: Emulator = field(repr=False)
    roles: dict[int, Role] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)
    threads: list[Channel] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, dict[str, Any]] = field(default_factory=dict)
    preferred_locale: str = "en-US"
    unavailable: bool = False
    member_count_extra: int = 0  # pretend members not materialised (scale tests)
    # Server Settings → Integrations: a top-level command opened to roles/members (ids; the guild id is
    # @everyone) whatever its default_member_permissions say.
    command_access: dict[str, set[int]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Guild {self.name!r} id={self.id}>"

    # ----- lookups -----

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    @property
    def me(self) -> Member:
        """The bot's own member."""
        return self.members[self._emu.bot_user.id]

    @property
    def bot_role(self) -> Role:
        return next(r for r in self.roles.values() if r.bot_id == self._emu.bot_user.id)

    @property
    def member_count(self) -> int:
        return len(self.members) + self.member_count_extra

    @property
    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels if c.type == ChannelType.GUILD_TEXT and not c.deleted]

    @property
    def first_text_channel(self) -> Channel:
        return self.text_channels[0]

    def channel(self, name: str) -> Channel:
        """A channel or thread by name ("general" or "#general")."""
        name = name.lstrip("#")
        for ch in [*self.channels, *self.threads]:
            if ch.name == name and not ch.deleted:
                return ch
        raise KeyError(
            f"guild {self.name!r} has no channel #{name}; channels: "
            f"{[c.name for c in self.channels if not c.deleted]}"
        )

    def channel_by_id(self, channel_id: int) -> Channel | None:
        ch = self._emu.channels.get(channel_id)
        return ch if ch is not None and ch.guild is self else None

    def role(self, name: str) -> Role:
        for r in self.roles.values():
            if r.name == name:
                return r
        raise KeyError(
            f"guild {self.name!r} has no role {name!r}; roles: {[r.name for r in self.roles.values()]}"
        )

    def member_named(self, name: str) -> Member:
        for m in self.members.values():
            if name in (m.nick, m.user.username, m.user.global_name):
                return m
        raise KeyError(f"no member named {name!r}")

    # ----- changes a server admin would make (dispatched to the bot) -----

    def add_text_channel(
        self,
        name: str,
        *,
        topic: str | None = None,
        category: Channel | None = None,
        overwrites: list[dict[str, Any]] | None = None,
        nsfw: bool = False,
    ) -> Channel:
        return self._emu._create_channel(
            self, ChannelType.GUILD_TEXT, name, topic=topic, parent=category, overwrites=overwrites, nsfw=nsfw
        )

    def add_voice_channel(self, name: str, *, category: Channel | None = None) -> Channel:
        return self._emu._create_channel(self, ChannelType.GUILD_VOICE, name, parent=category)

    def add_category(self, name: str) -> Channel:
        return self._emu._create_channel(self, ChannelType.GUILD_CATEGORY, name)

    def add_forum(
        self,
        name: str,
        *,
        tags: Sequence[str] = (),
        topic: str | None = None,
        category: Channel | None = None,
    ) -> Channel:
        return self._emu._create_channel(
            self, ChannelType.GUILD_FORUM, name, topic=topic, parent=category, tags=list(tags)
        )

    def add_thread(
        self,
        parent: Channel,
        name: str,
        *,
        owner: Member | None = None,
        private: bool = False,
        archived: bool = False,
        locked: bool = False,
        applied_tags: Sequence[str] = (),
        content: str | None = None,
    ) -> Channel:
        """A thread (or forum post, whose starter message says `content`) a member started."""
        return self._emu._create_thread_by_member(
            self,
            parent,
            name,
            owner=owner,
            private=private,
            archived=archived,
            locked=locked,
            applied_tags=list(applied_tags),
            content=content,
        )

    def remove_member(self, member: Member) -> None:
        """The member leaves (or is kicked)."""
        self.members.pop(member.id, None)
        self._emu.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(self.id), "user": member.user.payload()})
        self._emu._notify()

    def add_role(self, name: str, permissions: int = 0, *, mentionable: bool = False, color: int = 0) -> Role:
        return self._emu._create_role(self, name, permissions, mentionable=mentionable, color=color)

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = int(permissions)
        self._emu.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.payload()})

    def set_bot_permissions(self, permissions: int) -> None:
        """Change what the bot's role allows (and clear @everyone, so the role is the whole story)."""
        if self.everyone.permissions & ~int(permissions):
            self.set_role_permissions(self.everyone, self.everyone.permissions & int(permissions))
        self.set_role_permissions(self.bot_role, permissions)

    def set_overwrite(
        self, channel: Channel, target: Role | Member, *, allow: int = 0, deny: int = 0
    ) -> None:
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites = [o for o in channel.overwrites if int(o["id"]) != target.id]
        channel.overwrites.append(
            {"id": str(target.id), "type": kind, "allow": str(int(allow)), "deny": str(int(deny))}
        )
        self._emu.dispatch("CHANNEL_UPDATE", channel.payload())

    def open_command(self, name: str, *targets: Role | Member) -> None:
        """An admin lets these roles or members use the top-level command `name` (Integrations settings),
        even without the permissions its default_member_permissions ask for."""
        self.command_access.setdefault(name, set()).update(t.id for t in targets)

    def delete_channel(self, channel: Channel) -> None:
        self._emu._delete_channel(channel)

    def give_role(self, member: Member, role: Role) -> None:
        if role.id not in member.role_ids:
            member.role_ids.append(role.id)
            self._emu.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": str(self.id), **member.payload()})

    def payload(self, *, large_threshold: int = 250) -> dict[str, Any]:
        """The full GUILD_CREATE payload."""
        large = self.member_count > large_threshold
        members = list(self.members.values()) if not large else [self.me]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": _opt_str(self.text_channels[0].id) if self.text_channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
            "joined_at": iso(self.me.joined_at),
            "large": large,
            "unavailable": False,
            "member_count": self.member_count,
            "voice_states": [],
            "members": [m.payload() for m in members],
            "channels": [c.payload() for c in self.channels if not c.deleted],
            "threads": [t.payload() for t in self.threads if not t.deleted and not t.archived],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": list(self.scheduled_events.values()),
            "soundboard_sounds": [],
            "lazy": True,
            "embedded_activities": [],
            "activity_instances": [],
            "version": 0,
            "hub_type": None,
        }

    def partial_payload(self) -> dict[str, Any]:
        """The `guild` object Discord puts in interactions."""
        return {"id": str(self.id), "locale": self.preferred_locale, "features": []}


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def walk_components(components: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every component, depth first (action rows, containers, sections, labels included)."""
    out: list[dict[str, Any]] = []
    for c in components:
        out.append(c)
        out.extend(walk_components(c.get("components") or []))
        for key in ("accessory", "component"):
            child = c.get(key)
            if isinstance(child, dict):
                out.extend(walk_components([child]))
    return out


def message_text(
    content: str | None, embeds: list[dict[str, Any]], components: Sequence[dict[str, Any]] = ()
) -> str:
    parts: list[str] = [content or ""]
    for e in embeds:
        author = e.get("author") or {}
        parts.append(author.get("name") or "")
        parts.append(e.get("title") or "")
        parts.append(e.get("description") or "")
        for f in e.get("fields") or []:
            parts.append(f.get("name") or "")
            parts.append(f.get("value") or "")
        footer = e.get("footer") or {}
        parts.append(footer.get("text") or "")
    for c in walk_components(list(components)):
        if c.get("type") == 10:  # components v2 text display
            parts.append(c.get("content") or "")
    return "\n".join(p for p in parts if p)


_CUSTOM_EMOJI = re.compile(r"^<?a?:?([\w~]+):(\d+)>?$")


def emoji_payload(emoji: str) -> dict[str, Any]:
    m = _CUSTOM_EMOJI.match(emoji)
    if m:
        return {"id": m.group(2), "name": m.group(1)}
    return {"id": None, "name": emoji}


def normalise_emoji(emoji: str) -> str:
    """Reaction key: 'name:id' for custom emoji, the character itself for unicode."""
    m = _CUSTOM_EMOJI.match(emoji)
    return f"{m.group(1)}:{m.group(2)}" if m else emoji
