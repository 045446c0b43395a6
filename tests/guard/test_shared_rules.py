"""Shared canon rule sets plus a server's small addition match exactly as one combined set would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.canon.horizon import Horizon, horizon_through
from bot.canon.loader import load_pack
from bot.guard.rules import CanonRules, ServerRules, canon_rules_past, compile_guild_rules, server_rules
from bot.spoilers import Hit, Rule

PACK = load_pack()
HORIZONS = [Horizon(), horizon_through(PACK, "r1"), horizon_through(PACK, "r3"), horizon_through(PACK, "r6")]
CANON = sorted({r.phrase for r in canon_rules_past(PACK, Horizon())})
EPISODES = [e.id for e in PACK.episodes]
FILLER = ["the", "end", "hello", "till", "ivan", "수아", "가", "is", "so", "good", "!!", "||", "wins", "die"]
SHARED = {h: CanonRules.compile(PACK, h) for h in HORIZONS}

words = st.one_of(st.sampled_from(FILLER), st.sampled_from(CANON))
phrases = st.lists(words, min_size=1, max_size=3).map(" ".join)
own_rules = st.lists(
    st.builds(lambda e, p, i: Rule(e, p, "mod:1", i), st.sampled_from(EPISODES), phrases, st.integers(1, 99)),
    max_size=3,
)
allow = st.lists(st.one_of(phrases, st.sampled_from(CANON).map(lambda p: f"{p} the end")), max_size=3)
messages = st.lists(st.one_of(words, phrases), min_size=1, max_size=8).map(" ".join)


def layered(public: Horizon, rules: list[Rule], allowed: list[str]) -> ServerRules:
    canon = SHARED[public]
    return server_rules(canon, PACK, public, rules, allowed) or ServerRules(canon.ruleset)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(HORIZONS), own_rules, allow, st.lists(messages, min_size=1, max_size=5))
def test_shared_plus_addition_matches_like_the_combined_rule_set(
    public: Horizon, rules: list[Rule], allowed: list[str], texts: list[str]
) -> None:
    reference = compile_guild_rules(PACK, public, rules, allowed)
    ours = layered(public, rules, allowed)
    for text in texts:
        # The same hits (one per episode, the same rule). Positions are left out: the matcher measures
        # them on a text that depends on the set's rules ("틸 죽 the" puts "the" at 0 in a set with
        # Hangul rules, at 4 in one without), so two sets' positions are not comparable.
        assert identities(ours.match(text)) == identities(reference.match(text)), text


def identities(hits: list[Hit]) -> set[tuple[str, str, str, int | None]]:
    return {(h.episode, h.phrase, h.source, h.rule_id) for h in hits}


def test_hits_of_the_shared_set_and_the_addition_come_in_message_order() -> None:
    rules = [Rule("r6", "luka cries", "mod:1", 1)]
    ours, reference = layered(Horizon(), rules, []), compile_guild_rules(PACK, Horizon(), rules, [])
    text = "luka cries, then ivan dies"
    assert [h.episode for h in ours.match(text)] == [h.episode for h in reference.match(text)]
    assert ours.match(text)[0].phrase == "luka cries"


def test_an_allowed_phrase_masks_the_canon_rule_inside_it_but_not_elsewhere() -> None:
    ours = layered(Horizon(), [], ["ivan dies on stage"])
    reference = compile_guild_rules(PACK, Horizon(), [], ["ivan dies on stage"])
    for text in (
        "ivan dies on stage",
        "ivan dies on stage, then ivan dies",
        "sua dies",
        "이반 dies on stage",
    ):
        assert ours.match(text) == reference.match(text)
    assert ours.match("ivan dies on stage") == []
    assert ours.match("ivan dies") != []


def test_a_server_addition_holds_its_own_rules_not_a_copy_of_the_canon() -> None:
    ours = layered(Horizon(), [Rule("r6", "ivan cries", "mod:1", 1)], [])
    assert ours.shared is SHARED[Horizon()].ruleset
    assert ours.own is not None and len(ours.own) == 1
    assert (
        ours.match("이반 cries")
        == compile_guild_rules(PACK, Horizon(), [Rule("r6", "ivan cries", "mod:1", 1)], []).match(
            "이반 cries"
        )
        != []
    )
    assert server_rules(SHARED[Horizon()], PACK, Horizon(), [], []) is None


def test_an_allow_list_is_matched_beside_the_shared_set_not_in_a_private_copy() -> None:
    ours = layered(Horizon(), [], ["ivan dies on stage"])
    assert ours.shared is SHARED[Horizon()].ruleset
    assert ours.own is not None and len(ours.own) == 0


def test_a_phrase_and_all_its_forms_and_names_share_their_nodes() -> None:
    own = layered(Horizon(), [Rule("r6", "ivan cries", "mod:1", 1)], []).own
    assert own is not None
    seen: set[int] = set()
    stack = [own._root, *(node for _, node in own._joined_packed)]  # noqa: SLF001
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.children.values())
    assert len(own._root.children) >= 3  # noqa: SLF001 - ivan, iban, 이반, ...
    assert len(seen) <= 4  # the root, one node after the name, one after the verb, the joined letters'
    assert own._automaton is None  # a small set: no Aho-Corasick automaton  # noqa: SLF001


def test_a_new_pack_or_horizon_keeps_an_addition_that_would_compile_the_same() -> None:
    rules = [Rule("r6", "ivan cries", "mod:1", 1), Rule("r2", "till cries", "mod:1", 2)]
    first = layered(Horizon(), rules, [])
    later = horizon_through(PACK, "r1")  # still before both rules' episodes
    kept = server_rules(SHARED[later], PACK, later, rules, [], previous=(PACK, Horizon(), first))
    assert kept is not None and kept.own is first.own and kept.shared is SHARED[later].ruleset
    past_one = horizon_through(PACK, "r3")  # ROUND 2 is public now: its rule no longer counts
    moved = server_rules(SHARED[past_one], PACK, past_one, rules, [], previous=(PACK, Horizon(), first))
    assert moved is not None and moved.own is not first.own and moved.own is not None
    assert len(moved.own) == 1 and moved.match("till cries") == SHARED[past_one].ruleset.match("till cries")
