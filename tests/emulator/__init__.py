"""A wire-level Discord emulator for end-to-end tests: the real bot talks HTTP and websocket to it."""

from .actions import CommandHidden
from .interactions import Reply
from .models import Attachment, Channel, ChannelType, Guild, Member, Message, Pings, Role, User
from .permissions import Permission
from .server import DEFAULT_TOKEN, Emulator, RecordedRequest

__all__ = [
    "DEFAULT_TOKEN",
    "Attachment",
    "Channel",
    "ChannelType",
    "CommandHidden",
    "Emulator",
    "Guild",
    "Member",
    "Message",
    "Permission",
    "Pings",
    "RecordedRequest",
    "Reply",
    "Role",
    "User",
]
