"""Questions the bot asks about chats and files: getChatMember (who may use it in a group)
and getFile (where to download what a user sent)."""

from __future__ import annotations

from typing import Any

from benchmarks.fakes.telegram.methods.common import ApiError, resolve_chat
from benchmarks.fakes.telegram.state import State, public_user

JSON = dict[str, Any]

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
# What a "restricted" member may not do; Telegram sends every one of them.
_RESTRICTED_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)
_ADMINISTRATOR_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}


def get_chat_member(state: State, params: JSON) -> JSON:
    """The member's status as a test set it (set_chat_member), else "member" of the groups
    they wrote in and of their own private chat, and "left" anywhere else."""
    chat = resolve_chat(state, params.get("chat_id"))
    user_id = params.get("user_id")
    if user_id == state.bot_id:
        user = state.bot_from()
    elif isinstance(user_id, int) and user_id in state.users:
        user = public_user(state.users[user_id])
    else:
        raise ApiError(400, "Bad Request: user not found")
    key = (chat["id"], user["id"])
    status = state.member_status.get(key)
    if status is None:
        own_chat = chat["type"] == "private" and chat["id"] == user["id"]
        status = "member" if own_chat else "left"
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMINISTRATOR_RIGHTS)
    elif status == "restricted":
        member.update(
            {
                "is_member": state.restricted_is_member.get(key, True),
                "until_date": 0,
                **{permission: False for permission in _RESTRICTED_PERMISSIONS},
            }
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def get_file(state: State, params: JSON) -> JSON:
    info = state.files.get(str(params.get("file_id") or ""))
    if info is None:
        raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
    if info["file_size"] > MAX_DOWNLOAD_SIZE:
        raise ApiError(400, "Bad Request: file is too big")
    return dict(info)
