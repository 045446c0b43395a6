"""Members whose Discord is in Korean or Japanese (and Spanish, Portuguese) use the bot end to end through
the emulator (lookups, progress, /discuss, /cw, a watch party with a typed time in their language, RSVP,
the reminder, /privacy, /help) and moderators run /spoilers, /watchparty-admin, /privacy-admin and
/cw-admin; no answer still holds an English template, whether from the catalogue or written in the code
without it (``tests/i18n/english.py``). A server whose language is Korean gets its announcement,
reminder, spoiler notice and mod-log entries in Korean.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot.i18n import t
from tests.conftest import FORUM_TAGS, GUILD_CHANNELS, assert_clean_exit
from tests.database import connect
from tests.emulator import Emulator, Member, Message, actions
from tests.emulator.actions import CommandHidden
from tests.emulator.interactions import Reply
from tests.emulator.process import BotProcess
from tests.i18n.english import english_left

shared_loop = pytest.mark.asyncio(loop_scope="module")


def shown(target: Reply | Message) -> str:
    """What a member reads: text, embeds, button labels, menus and their options."""
    messages = target.messages if isinstance(target, Reply) else [target]
    labels = [str(b.get("label") or "") for m in messages for b in m.buttons]
    for select in (s for m in messages for s in m.selects):
        labels.append(str(select.get("placeholder") or ""))
        labels += [f"{o.get('label', '')}\n{o.get('description', '')}" for o in select.get("options") or []]
    return "\n".join([target.text, *labels])


def untranslated(replies: list[Reply] | list[Message], locale: str) -> dict[str, list[str]]:
    """English left in each reply a ``locale`` member read, by the reply's label (or message id)."""
    problems = {}
    for reply in replies:
        left = english_left(shown(reply), locale)
        if left:
            problems[getattr(reply, "label", None) or str(getattr(reply, "id", "?"))] = left
    return problems


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Emulator, BotProcess]]:
    emulator = Emulator()
    guild = emulator.add_guild(
        "에이스테 팬 서버", channels=GUILD_CHANNELS, roles=["Moderator"], preferred_locale="ko"
    )
    guild.add_forum("discussion", tags=FORUM_TAGS)
    await emulator.start()
    process = BotProcess(emulator, tmp_path_factory.mktemp("languages") / "clematis.db")
    await process.start()
    try:
        moderator = emulator.moderator(guild)
        await moderator.slash("spoilers discussion-channel", channel=guild.channel("discussion"))
        yield emulator, process
    finally:
        code = await process.stop()
        await emulator.stop()
    assert_clean_exit(process, code)


@pytest.fixture
def world(running: tuple[Emulator, BotProcess]) -> Iterator[tuple[Emulator, BotProcess]]:
    yield running
    emulator, process = running
    assert process.running, process.output
    emulator.assert_clean()
    assert not process.tracebacks, "\n".join(process.tracebacks)


async def run(member: Member, command: str, **options: object) -> Reply:
    """A slash command whose options include one named ``channel`` (``slash(channel=)`` is where it runs)."""
    return await actions.slash(member, command, channel=None, timeout=10.0, options=dict(options))


def query(process: BotProcess, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
    with connect(process.db_target) as conn:
        conn.row_factory = sqlite3.Row  # key access on either engine
        return conn.execute(sql, params).fetchall()


def announcement_of(emulator: Emulator, party_id: int) -> Message:
    return next(
        m
        for m in reversed(emulator.bot_messages())
        if not m.ephemeral
        and m.embeds
        and f"#{party_id} " in (m.embeds[0].get("footer") or {}).get("text", "")
    )


async def journey(
    emulator: Emulator, process: BotProcess, member: Member, typed: dict[str, str]
) -> list[Reply]:
    """Everything a member does, in order; returns every answer they got."""
    replies = [
        await member.slash("character", name=typed["character"]),
        await member.slash("character", name="zzqx"),  # unknown: "did you mean"
        await member.slash("episode", title="r1", private=True),
        await member.slash("lore", term="anakt-garden"),
        await member.slash("search", query=typed["search"]),
        await member.slash("timeline", private=True),
        await member.slash("progress show"),
        await member.slash("progress set", episode="r1"),
        await member.slash("progress show"),
        await member.slash("discuss", episode="r1"),
        await member.slash("cw episode", episode="r5"),
        await member.slash("cw preferences"),
        await member.slash("timezone set", zone=typed["zone"]),
        await member.slash("timezone show"),
        await member.slash("help"),
        await member.slash("about"),
    ]
    choices = await member.autocomplete("character", "name", typed["character"][:1])
    assert choices, "autocomplete found nothing for a name in the member's language"
    schedule = await member.slash("watchparty schedule", episode="r1", when=typed["when"])
    if schedule.buttons and any(b.get("custom_id", "").startswith("wp:pick:") for b in schedule.buttons):
        replies.append(schedule)
        first = next(b for b in schedule.buttons if not b["custom_id"].endswith(":x"))
        schedule = await member.click(schedule, first["custom_id"])
        await schedule.wait_for(lambda r: bool(r.messages and "wp:pick" not in str(r.components)))
    replies.append(schedule)
    party = query(process, "SELECT id FROM watch_parties WHERE host_id = ? ORDER BY id DESC", (member.id,))[0]
    shown_post = announcement_of(emulator, party["id"])
    replies.append(await member.click(shown_post, f"wp:rsvp:{party['id']}:going"))
    replies.append(await member.slash("watchparty list"))
    replies.append(await member.slash("watchparty info", party=str(party["id"])))
    replies.append(await member.slash("watchparty export"))
    replies.append(await member.click(shown_post, f"wp:rsvp:{party['id']}:maybe"))
    replies.append(await member.slash("watchparty edit", party=str(party["id"]), note="팝콘 🍿", capacity=2))
    replies.append(await member.slash("cw episode", episode="r5", public=True))
    replies.append(await member.slash("watchparty series", episode="r1", when=typed["when"], count=2))
    replies.append(await member.slash("watchparty cancel", party=str(party["id"])))
    replies.append(await member.slash("timezone clear"))
    replies.append(await member.slash("progress clear"))
    replies.append(await member.slash("privacy show"))
    replies.append(await member.slash("privacy export"))
    confirm = await member.slash("privacy delete")
    replies.append(confirm)
    keep = next(b["custom_id"] for b in confirm.buttons if b["custom_id"].startswith("privacy:keep:"))
    replies.append(await member.click(confirm, keep))
    return replies


@shared_loop
@pytest.mark.parametrize(
    ("locale", "typed"),
    [
        (
            "ko",
            {"character": "미지", "search": "반란군", "zone": "서울", "when": "토요일 오후 8시"},
        ),
        (
            "ja",
            {"character": "ミジ", "search": "ルカ", "zone": "東京", "when": "土曜日 20時"},
        ),
        (
            "es-419",
            {"character": "Mizi", "search": "Luka", "zone": "Ciudad de México", "when": "sábado 20:00"},
        ),
        (
            "pt-BR",
            {"character": "Mizi", "search": "Luka", "zone": "São Paulo", "when": "sábado às 20h"},
        ),
    ],
)
async def test_a_member_sees_every_answer_in_their_language(
    world: tuple[Emulator, BotProcess], locale: str, typed: dict[str, str]
) -> None:
    emulator, process = world
    member = emulator.member(emulator.guild, f"fan-{locale}", locale=locale)
    replies = await journey(emulator, process, member, typed)
    assert untranslated(replies, locale) == {}
    texts = "\n".join(shown(r) for r in replies)
    assert {"ko": "미지", "ja": "ミジ"}.get(locale, "Mizi") in texts  # the canon in their language
    assert "2026" in texts or "2027" in texts  # the typed time was read (a date in the confirmation)


@shared_loop
async def test_a_korean_server_gets_korean_announcements_and_reminders(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, process = world
    host = emulator.member(emulator.guild, "host-en")  # an English-speaking host: the post is the server's
    await host.slash("timezone set", zone="Asia/Seoul")
    await host.slash("watchparty schedule", episode="r1", when="in 2 hours")
    party = query(process, "SELECT id FROM watch_parties WHERE host_id = ? ORDER BY id DESC", (host.id,))[0]
    post = announcement_of(emulator, party["id"])
    assert english_left(shown(post), "ko") == []
    assert "같이보기" in post.text and "참석" in shown(post)
    fan = emulator.member(emulator.guild, "fan-rsvp", locale="ko")
    await fan.click(post, f"wp:rsvp:{party['id']}:going")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with connect(process.db_target) as conn:  # the 1-hour reminder, due now
        conn.execute(
            "UPDATE due_work SET due_at = ? WHERE party_id = ? AND kind = 'reminder' AND offset_label = '1h'",
            (now, party["id"]),
        )
    channel = emulator.guild.first_text_channel
    reminder = await emulator.wait_for_message(channel, predicate=lambda m: "⏰" in m.content, timeout=30)
    assert english_left(shown(reminder), "ko") == []
    assert "시작해요" in reminder.content and fan.mention in reminder.content


@shared_loop
async def test_seoul_in_hangul_completes_to_asia_seoul(world: tuple[Emulator, BotProcess]) -> None:
    emulator, _process = world
    member = emulator.member(emulator.guild, "zone-ko", locale="ko")
    choices = await member.autocomplete("timezone set", "zone", "서울")
    assert choices[0]["value"] == "Asia/Seoul"


def test_the_check_finds_english_templates() -> None:
    """The detector itself: an untranslated answer is caught, a translated one is not, English written in
    the code without the catalogue is caught too, and code, links and mentions never count."""
    english = "These buttons belong to someone else: run the command yourself."
    assert english_left(english, "ko")
    assert english_left(t("ko", english), "ko") == []
    hidden = "is registered as hanging off"  # an f-string's literal part in bot/privacy/store.py
    assert english_left(f"<@1> {hidden} `x`", "ja") == [hidden]
    assert english_left("`/spoilers rule list` https://discord.com/channels/1/2/3 <@1>", "ko") == []


@shared_loop
async def test_moderators_choose_the_server_language(world: tuple[Emulator, BotProcess]) -> None:
    emulator, process = world
    guild = emulator.guild
    member = emulator.member(guild, "plain-member")
    with pytest.raises(CommandHidden):  # hidden from members (default_member_permissions)
        await member.slash("server-language", language="ja")
    moderator = emulator.moderator(guild, "Mod Lang", locale="ja")
    shown_now = await moderator.slash("server-language")
    assert shown_now.ephemeral and "한국어" in shown_now.text  # Discord's server language: Korean
    changed = await moderator.slash("server-language", language="ja")
    assert "日本語" in changed.text and changed.ephemeral
    choices = await moderator.autocomplete("server-language", "language", "portu")
    assert [c["value"] for c in choices] == ["pt-BR"]
    refused = await moderator.slash("server-language", language="klingon")
    assert refused.ephemeral and "klingon" in refused.text
    host = emulator.member(guild, "host-ja-server")
    await host.slash("timezone set", zone="Asia/Tokyo")
    await host.slash("watchparty schedule", episode="r2", when="in 3 hours")
    party = query(process, "SELECT id FROM watch_parties WHERE host_id = ? ORDER BY id DESC", (host.id,))[0]
    post = announcement_of(emulator, party["id"])
    assert "視聴会" in post.text and english_left(shown(post), "ja") == []
    await moderator.slash("server-language", language="auto")
    assert query(process, "SELECT * FROM guild_language WHERE guild_id = ?", (guild.id,)) == []


@shared_loop
async def test_the_spoiler_notice_speaks_the_server_language(world: tuple[Emulator, BotProcess]) -> None:
    emulator, _process = world
    guild = emulator.guild
    await emulator.moderator(guild).slash("server-language", language="ko")
    await run(emulator.moderator(guild), "spoilers modlog", channel=guild.channel("mod-log"))
    fan = emulator.member(guild, "spoiler-fan", locale="en-US")  # an English client: the notice is public
    general = guild.channel("general")
    await fan.say(general, "omg sua dies in round 1??")
    notice = await emulator.wait_for_message(
        general, predicate=lambda m: fan.mention in m.content, timeout=15
    )
    assert "메시지를 지웠어요" in notice.content and english_left(shown(notice), "ko") == []
    copy = await fan.click(notice, next(b["custom_id"] for b in notice.buttons))
    assert copy.ephemeral and "Copy Text" in copy.text  # the copy button answers in the clicker's language
    entry = await modlog_entry(emulator, lambda text: fan.mention in text and "🧹" in text)
    assert "지웠어요" in entry.text and english_left(shown(entry), "ko") == []  # the server's language


@shared_loop
async def test_a_report_is_answered_in_the_members_language_and_logged_in_the_servers(
    world: tuple[Emulator, BotProcess],
) -> None:
    emulator, _process = world
    guild = emulator.guild
    await emulator.moderator(guild).slash("server-language", language="ko")
    await run(emulator.moderator(guild), "spoilers modlog", channel=guild.channel("mod-log"))
    author = emulator.member(guild, "vague-author")
    message = await author.say(guild.channel("general"), "the guitar guy does not make it past that round")
    reporter = emulator.member(guild, "reporter-ja", locale="ja")
    answer = await reporter.context_menu("Report spoiler", message)
    assert answer.ephemeral and untranslated([answer], "ja") == {} and "ありがとう" in answer.text
    again = await reporter.context_menu("Report spoiler", message)
    assert untranslated([again], "ja") == {}
    entry = await modlog_entry(emulator, lambda text: reporter.mention in text and "📣" in text)
    assert "신고했어요" in entry.text and english_left(shown(entry), "ko") == []


async def modlog_entry(emulator: Emulator, predicate: Callable[[str], bool]) -> Message:
    """The latest mod-log entry matching ``predicate`` (waiting for it, or for its final edit)."""
    channel = emulator.guild.channel("mod-log")

    def found() -> Message | None:
        return next((m for m in reversed(emulator.messages_in(channel)) if predicate(m.text)), None)

    await emulator.wait_until(lambda: found() is not None, timeout=15, what="the mod-log entry")
    entry = found()
    assert entry is not None
    return entry


@shared_loop
@pytest.mark.parametrize(("locale", "done"), [("ko", "완료"), ("ja", "完了")])
async def test_a_moderator_runs_the_server_settings_in_their_language(
    world: tuple[Emulator, BotProcess], locale: str, done: str
) -> None:
    """Every moderator family: /spoilers (settings embed, horizon, window, places, rules, allow-list,
    exemptions, action), /watchparty-admin, /privacy-admin, /cw-admin, in the moderator's language; the
    mod log records each change in the server's language (Korean)."""
    emulator, _process = world
    guild = emulator.guild
    moderator = emulator.moderator(guild, f"Mod {locale}", locale=locale)
    await moderator.slash("server-language", language="ko")
    role = guild.role("Moderator")
    replies = [
        await run(moderator, "spoilers modlog", channel=guild.channel("mod-log")),
        await moderator.slash("spoilers settings"),
        await moderator.slash("spoilers horizon", episode="r1"),
        await moderator.slash("spoilers window", days=7),
        await run(moderator, "spoilers channel add", channel=guild.channel("spoilers")),
        await run(moderator, "spoilers channel add", channel=guild.channel("spoilers")),  # already: refused
        await moderator.slash("spoilers gated", enabled=True),
        await moderator.slash("spoilers exempt add", role=role),
        await moderator.slash("spoilers rule add", episode="r5", phrase=f"the rocket burns {locale}"),
        await moderator.slash("spoilers rule add", episode="r5", phrase="mizi"),  # a name alone: refused
        await moderator.slash("spoilers rule list"),
        await moderator.slash("spoilers allow add", phrase=f"till the end {locale}"),
        await moderator.slash("spoilers allow list"),
        await moderator.slash("spoilers allow remove", phrase=f"till the end {locale}"),
        await moderator.slash("spoilers action", action="repost"),
        await moderator.slash("spoilers settings"),
        await moderator.slash("spoilers action", action="nudge"),
        await moderator.slash("spoilers exempt remove", role=role),
        await run(moderator, "spoilers channel remove", channel=guild.channel("spoilers")),
        await moderator.slash("spoilers gated", enabled=False),
        await moderator.slash("spoilers window", days=0),
        await moderator.slash("watchparty-admin status"),
        await moderator.slash("watchparty-admin limits"),
        await moderator.slash("privacy-admin settings", parties="cancel"),
        await moderator.slash("privacy-admin settings", parties="handover"),
        await moderator.slash("cw-admin link-cards", state="on"),
    ]
    assert all(r.ephemeral for r in replies)
    assert untranslated(replies, locale) == {}
    assert sum(done in r.text for r in replies) >= 10
    entries = [m for m in emulator.messages_in(guild.channel("mod-log")) if moderator.mention in m.text]
    assert len(entries) >= 12
    assert untranslated(entries, "ko") == {}
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in m.text) for m in entries)  # Hangul in each
