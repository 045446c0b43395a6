"""compile_rules() / RuleSet.match(): semantics, bypasses, and equivalence with a naive matcher."""

import re
from collections.abc import Iterable
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.spoilers import Hit, Rule, compile_rules, fold, normalize, visible_text
from bot.spoilers.inflect import forms, predicates
from bot.spoilers.matcher import _PARTICLES, _derives, _message_key, rule_condition_problems
from bot.spoilers.normalize import is_cjk

CANON = [
    Rule("R1", "sua dies", rule_id=1),
    Rule("R1", "수아 죽", rule_id=2),
    Rule("R2", "till", rule_id=3),
    Rule("R6", "ivan gets shot", rule_id=4),
    Rule("R6", "till dies"),
    Rule("FINAL", "luka wins the final"),
]


def episodes(text: str, rules: Iterable[Rule] = CANON, allow: Iterable[str] = ()) -> frozenset[str]:
    return compile_rules(rules, allow).episodes_matched(visible_text(text))


def test_phrase_matches_across_case_punctuation_and_repeated_spaces() -> None:
    assert episodes("omg IVAN   gets... shot!!") == {"R6"}


def test_word_inside_another_word_does_not_match() -> None:
    rules = [Rule("R1", "dies"), Rule("R2", "till")]
    assert episodes("she studies until the tiller", rules) == frozenset()


def test_till_as_a_common_word_only_matches_whole_phrases() -> None:
    rules = [Rule("R6", "till dies")]
    assert episodes("wait till friday, nobody dies", rules) == frozenset()
    assert episodes("wait... till dies?!", rules) == {"R6"}


def test_allowed_phrase_masks_rules_inside_it() -> None:
    assert episodes("Unknown (Till the End) slaps", allow=["till the end"]) == frozenset()


def test_allowed_phrase_does_not_mask_a_longer_hit_or_a_later_one() -> None:
    allow = ["till the end"]
    assert episodes("till the end! till dies", allow=allow) == {"R2", "R6"}
    assert episodes("till the end dies", [Rule("R6", "end dies")], allow) == {"R6"}


def test_plural_and_third_person_s_are_folded() -> None:
    assert episodes("sua die lol") == {"R1"}
    assert episodes("luka win the finals") == {"FINAL"}
    assert episodes("ivan's dead", [Rule("R6", "ivan dead")]) == {"R6"}
    assert episodes("so many kisses", [Rule("R6", "kiss")]) == {"R6"}


def test_english_inflections_of_a_rule_match() -> None:
    rules = [Rule("R6", "ivan dies"), Rule("R6", "ivan gets shot"), Rule("FINAL", "luka wins the final")]
    for text in [
        "ivan died",
        "IVAN DYING",
        "ivan's dead",
        "ivan is dying",
        "ivan got shot",
        "ivan getting shot",
    ]:
        assert episodes(text, rules) == {"R6"}, text
    assert episodes("luka won the final", rules) == {"FINAL"}
    assert episodes("ivan's death scene", rules) == frozenset()  # a noun is no inflection


def test_a_be_verb_in_a_rule_may_be_contracted() -> None:
    rules = [Rule("R6", "ivan is dead")]
    assert episodes("ivan's dead", rules) == episodes("ivan was dead", rules) == {"R6"}


def test_names_given_as_fixed_are_not_inflected() -> None:
    rules = compile_rules([Rule("R2", "till wins round 2")], fixed=["till"])
    assert rules.episodes_matched("till won round 2") == {"R2"}
    assert rules.episodes_matched("tilled won round 2") == frozenset()


def test_hangul_phrase_matches_words_with_particles_and_endings() -> None:
    assert episodes("헐 수아가 죽었어 ㅠㅠ") == {"R1"}
    assert episodes("수아는 죽는다") == {"R1"}


def test_hangul_phrase_matches_only_at_the_start_of_a_word() -> None:
    # Korean attaches endings after the stem; a name inside another word is not the name.
    mizi = [Rule("R5", "미지 죽"), Rule("R6", "틸 죽")]
    assert episodes("이미지 죽이네", mizi) == frozenset()  # "the image is great"
    assert episodes("스틸 죽인다", mizi) == frozenset()  # "the still is awesome"
    assert episodes("미지가 죽었어", mizi) == {"R5"}


def test_hangul_phrase_matches_without_spaces() -> None:
    assert episodes("수아죽었어") == {"R1"}


def test_hangul_phrase_needs_its_words_in_consecutive_words() -> None:
    assert episodes("수아가 노래해 죽겠다") == frozenset()


def test_latin_rule_matches_a_name_with_a_korean_particle() -> None:
    assert episodes("sua가 dies") == {"R1"}


def test_bypasses_from_the_task_are_caught() -> None:
    rules = [Rule("R6", "ivan dies")]
    assert episodes("Ivan d||i||es", rules) == {"R6"}
    assert episodes("Iv||an di||es", rules) == {"R6"}
    assert episodes("Ivan ||dies||", rules) == frozenset()
    assert episodes("||Ivan dies||", rules) == frozenset()
    assert episodes("Ivan || dies", rules) == {"R6"}


def test_character_tricks_are_caught() -> None:
    rules = [Rule("R6", "ivan dies")]
    for text in [
        "Іvаn dіеs",
        "ｉｖａｎ ｄｉｅｓ",
        "i\u200bvan d\u00adies",
        "*iv*an d_ie_s",
        "1van d1es",
        "ɪᴠᴀɴ ᴅɪᴇs",
    ]:
        assert episodes(text, rules) == {"R6"}, text


def test_edit_is_rechecked_by_matching_again() -> None:
    rules = compile_rules(CANON)
    assert rules.episodes_matched(visible_text("ivan gets shot")) == {"R6"}
    assert rules.episodes_matched(visible_text("ivan gets ||shot||")) == frozenset()


def test_one_hit_per_episode_in_text_order_with_normalized_offsets() -> None:
    text = "till dies and sua dies and till"
    hits = compile_rules(CANON).match(text)
    assert hits == [
        Hit("R2", "till", "canon", 0, 4, 3),
        Hit("R6", "till dies", "canon", 0, 9, None),
        Hit("R1", "sua dies", "canon", 14, 22, 1),
    ]
    assert normalize(text)[14:22] == "sua dies"


def test_first_rule_per_episode_wins_for_the_same_phrase() -> None:
    rules = [
        Rule("R1", "sua dies", "canon", 1),
        Rule("R1", "Sua dies!", "mod", 2),
        Rule("R5", "sua dies", "mod", 3),
    ]
    assert [(h.episode, h.rule_id) for h in compile_rules(rules).match("sua dies")] == [("R1", 1), ("R5", 3)]


def test_phrases_with_nothing_to_match_are_ignored_and_reported() -> None:
    rules = compile_rules([Rule("R1", "!!!"), Rule("R1", "sua dies")], allow=["..."])
    assert len(rules) == 1
    assert rules.ignored == (Rule("R1", "!!!"), "...")
    assert rules.match("!!!") == []


def test_empty_rule_set_matches_nothing() -> None:
    assert compile_rules([]).match("sua dies") == []


# Naive reference: the same semantics written as directly as possible, one rule at a time.

_SQUEEZE = re.compile(r"([a-z])\1+")


def _key(word: str) -> str:
    return _SQUEEZE.sub(r"\1", fold(word))


_AUX = {"is", "was", "are", "were", "be", "ben", "being", "has", "had", "have", "s"}


def _copula_before(words: list[str], m: int) -> bool:
    previous = words[m - 1] if m else ""
    # "ivans" (ivan's): an "s" that the word's stem does not keep ("kisses" keeps it: no copula)
    return _key(previous) in _AUX or (
        previous.endswith("s") and not previous.endswith("ss") and not _message_key(previous).endswith("s")
    )


def _word_matches(
    phrase_word: str, words: list[str], m: int, final: bool, rule: bool, first: bool = False
) -> bool:
    message_word = words[m]
    if phrase_word.startswith("="):  # a contracted "is" came before it in the rule
        return _copula_before(words, m) and _word_matches(phrase_word[1:], words, m, final, False)
    if is_cjk(phrase_word[0]):
        if not (is_cjk(message_word[0]) and message_word.startswith(phrase_word)):
            return False
        rest = message_word[len(phrase_word) :]
        if not final:
            return rest == "" or rest in _PARTICLES
        return not (rule and len(phrase_word) == 1 and (not rest or _derives(rest)))
    if is_cjk(message_word[0]):
        return False
    if not rule:
        return _key(phrase_word) == _key(message_word)
    if _key(message_word) in {_key(f) for f in forms(phrase_word)}:
        return True
    return (
        first is False
        and _copula_before(words, m)
        and _key(message_word) in {_key(p) for p in predicates(phrase_word)}
    )


def _spans_in_word(phrase_word: str, message_word: str, offset: int) -> list[tuple[int, int]]:
    if not is_cjk(phrase_word[0]):
        return [(offset, offset + len(message_word))]
    return [(offset, offset + len(phrase_word))] if message_word.startswith(phrase_word) else []


def _ends(variant: list[str], words: list[str], p: int, m: int, rule: bool) -> list[int]:
    """Message word indexes where ``variant[p:]`` can end when it starts at word ``m`` (auxiliaries
    between phrase words may be skipped)."""
    if m >= len(words):
        return []
    out = []
    if _word_matches(variant[p], words, m, p == len(variant) - 1, rule, p == 0):
        if p == len(variant) - 1:
            out.append(m)
        else:
            rest = words[m][len(variant[p]) :] if is_cjk(variant[p][0]) else ""
            if not rest or rest in _PARTICLES:
                out += _ends(variant, words, p + 1, m + 1, rule)
    if p > 0 and not is_cjk(words[m][0]) and _key(words[m]) in _AUX:
        out += _ends(variant, words, p, m + 1, rule)
    return out


def _word_occurrences(
    phrase_words: list[str], words: list[str], starts: list[int], rule: bool
) -> list[tuple[int, int]]:
    variants = [phrase_words]
    if rule:
        for i in range(1, len(phrase_words) - 1):
            if phrase_words[i] in {"is", "was", "are", "were", "be"}:
                variants.append([*phrase_words[:i], "=" + phrase_words[i + 1], *phrase_words[i + 2 :]])
    if len(phrase_words) > 1 and all(is_cjk(w[0]) for w in phrase_words):
        variants.append(["".join(phrase_words)])
    spans = []
    for variant in variants:
        for i in range(len(words)):
            for last in _ends(variant, words, 0, i, rule):
                if len(variant) == 1 < len(phrase_words) and rule and len(phrase_words[-1]) == 1:
                    # Hangul written joined ("수아죽") keeps the last stem's one-syllable rule
                    rest = words[last][len(variant[0]) :]
                    if not rest or _derives(rest):
                        continue
                firsts = _spans_in_word(variant[0], words[i], starts[i])
                lasts = _spans_in_word(variant[-1].lstrip("="), words[last], starts[last])
                spans += [(a, d) for a, _ in firsts for _, d in lasts]
    return spans


def _joined_occurrences(
    phrase_words: list[str], words: list[str], starts: list[int], rule: bool
) -> list[tuple[int, int]]:
    if any(is_cjk(w[0]) for w in phrase_words):
        return []
    options = [sorted({_key(f) for f in forms(w)}) if rule else [_key(w)] for w in phrase_words]
    joined = {_SQUEEZE.sub(r"\1", "".join(v)) for v in product(*options)}
    joined = {j for j in joined if len(j) >= 5}
    keys = ["" if is_cjk(w[0]) else _key(w) for w in words]
    return [
        (starts[i], starts[j] + len(words[j]))
        for i in range(len(words))
        for j in range(i, len(words))
        if keys[i] and keys[j] and "".join(keys[i : j + 1]) in joined
    ]


def _occurrences(phrase: str, words: list[str], starts: list[int], rule: bool) -> list[tuple[int, int]]:
    phrase_words = normalize(phrase).split()
    spans = _word_occurrences(phrase_words, words, starts, rule)
    spans += _joined_occurrences(phrase_words, words, starts, rule)
    i = 0
    while i < len(words):  # Korean written syllable by syllable
        j = i
        while j < len(words) and len(words[j]) == 1 and is_cjk(words[j]):
            j += 1
        for k in range(i, j - 1):
            virtual = ["".join(words[k:j]), *words[j : j + 1]]
            for _ in _word_occurrences(phrase_words, virtual, [0, len(virtual[0]) + 1], rule):
                spans.append((starts[k], starts[j - 1] + 1))
        i = max(j, i + 1)
    return spans


def naive_episodes(rules: list[Rule], allow: list[str], text: str) -> frozenset[str]:
    words = normalize(text).split()
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    allowed = [
        span for phrase in allow if normalize(phrase) for span in _occurrences(phrase, words, starts, False)
    ]
    return frozenset(
        rule.episode
        for rule in rules
        if normalize(rule.phrase)
        and any(
            not any(a <= s and e <= b for a, b in allowed)
            for s, e in _occurrences(rule.phrase, words, starts, True)
        )
    )


VOCAB = [
    "ivan",
    "dies",
    "die",
    "till",
    "the",
    "end",
    "kisses",
    "kiss",
    "sua",
    "studies",
    "수아",
    "수아가",
    "죽",
    "죽었어",
    "아",
    "died",
    "dead",
    "is",
    "ivandies",
    "tilll",
    "i",
    "v",
    "n",
    "이",
    "반",
    "이반",
    "죽이게",
    "었",
]
PHRASE = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=3).map(" ".join)
SEPARATORS = st.sampled_from([" ", "  ", "! ", ", ", "...", "가 ", " 💀 "])


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.sampled_from(["R1", "R2", "R6"]), PHRASE), max_size=12),
    st.lists(PHRASE, max_size=2),
    st.lists(st.tuples(st.sampled_from(VOCAB), SEPARATORS), max_size=12),
)
def test_fast_matcher_finds_the_same_episodes_as_the_naive_one(
    rule_specs: list[tuple[str, str]], allow: list[str], message: list[tuple[str, str]]
) -> None:
    rules = [Rule(episode, phrase) for episode, phrase in rule_specs]
    text = "".join(word + sep for word, sep in message)
    assert compile_rules(rules, allow).episodes_matched(text) == naive_episodes(rules, allow, text)


def test_an_exclusion_cancels_only_the_hit_it_overlaps() -> None:
    rules = [Rule("R6", "이반 죽", unless=("이반 죽이", "죽겠"))]
    assert episodes("이반 죽이게 잘생겼다", rules) == frozenset()  # "Ivan is killer-handsome"
    assert episodes("이반 죽겠다 ㅋㅋ", rules) == frozenset()
    assert episodes("이반 죽었어", rules) == {"R6"}
    assert episodes("이반 죽이네 근데 이반 죽음", rules) == {"R6"}  # a later occurrence still fires


def test_an_exclusion_in_latin_cancels_an_overlapping_phrase() -> None:
    rules = [Rule("R6", "till dies", unless=("till dies hard",))]
    assert episodes("my hope till dies hard", rules) == frozenset()
    assert episodes("till dies, so hard to watch", rules) == {"R6"}


def test_required_endings_follow_the_last_hangul_stem() -> None:
    rules = [Rule("R1", "수아 죽", endings=("었", "어", "음"))]
    assert episodes("수아 죽었어", rules) == {"R1"}
    assert episodes("수아죽음", rules) == {"R1"}
    assert episodes("수아 죽이네", rules) == frozenset()
    assert episodes("수아 죽", rules) == frozenset()


def test_the_same_phrase_with_different_conditions_is_two_rules() -> None:
    rules = [Rule("R6", "이반 죽", unless=("죽이",)), Rule("R6", "이반 죽", endings=("이",))]
    assert episodes("이반 죽이네", rules) == {"R6"}  # the second rule fires where the first is cancelled


def test_rule_condition_problems_name_where_and_why() -> None:
    assert rule_condition_problems("이반 죽", ["이반 죽이", "죽겠"], ["었"]) == []
    assert rule_condition_problems("ivan dies", ["mizi wins", "..."], ["었"]) == [
        ("unless[1]", "'mizi wins' shares no word with 'ivan dies', so it can never cancel it"),
        ("unless[2]", "'...' has no letters or digits to match"),
        ("endings", "endings only apply after a Hangul stem, and 'ivan dies' ends in 'dies'"),
    ]
    assert rule_condition_problems("이반 죽", [], ["ed", "었 어"]) == [
        ("endings[1]", "'ed' is not a Hangul ending (e.g. 었, 어, 음)"),
        ("endings[2]", "'었 어' is not a Hangul ending (e.g. 었, 어, 음)"),
    ]
