"""English verb inflection for rule phrases: ``ivan dies`` also covers ``ivan died``, ``ivan dying``.

A small table, not a library: the only well-kept candidate on PyPI (lemminflect) needs numpy and a
model file for what this does with ~130 irregular verbs and the regular spelling rules. Only rule
phrases are inflected (once, when rules are compiled), so matching a message costs nothing more.

``forms(word)`` is every form of the verb(s) ``word`` can be a form of, the word itself included:
"dies" → die, dies, died, dying. ``predicates(word)`` are the adjectives that say the same after a
copula ("dead": fans say "ivan's dead" for "ivan dies"). Only a word that is a form of a verb in the
table, or carries a verb ending (-s, -ed, -ing) on a stem that takes it, is inflected: rules are written
"ivan dies", "luka kills hyunwoo", and a bare "kill" or "rocket" is left as it is.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["PREDICATES", "forms", "predicates"]

#: Adjectives that say what a verb says when a copula comes before them: "ivan's dead", "ivan is
#: dead" for "ivan dies" (but "is ivan dead?" asks, it does not tell).
PREDICATES: dict[str, tuple[str, ...]] = {"die": ("dead",)}

# base: (past, past participle, ...). Third person and -ing follow the regular rules unless given.
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "be": ("is", "are", "am", "was", "were", "been", "being"),
    "have": ("has", "had", "having"),
    "do": ("does", "did", "done"),
    "go": ("goes", "went", "gone"),
    "lie": ("lay", "lain", "lying"),
    "get": ("got", "gotten"),
    "shoot": ("shot",),
    "win": ("won",),
    "lose": ("lost",),
    "beat": ("beaten",),
    "fall": ("fell", "fallen"),
    "leave": ("left",),
    "break": ("broke", "broken"),
    "sing": ("sang", "sung"),
    "come": ("came",),
    "take": ("took", "taken"),
    "give": ("gave", "given"),
    "see": ("saw", "seen"),
    "run": ("ran",),
    "hit": (),
    "cut": (),
    "hurt": (),
    "put": (),
    "let": (),
    "quit": (),
    "shut": (),
    "set": (),
    "split": (),
    "spread": (),
    "burn": ("burnt",),
    "steal": ("stole", "stolen"),
    "fight": ("fought",),
    "bite": ("bit", "bitten"),
    "eat": ("ate", "eaten"),
    "forget": ("forgot", "forgotten"),
    "forgive": ("forgave", "forgiven"),
    "hide": ("hid", "hidden"),
    "hold": ("held",),
    "keep": ("kept",),
    "know": ("knew", "known"),
    "meet": ("met",),
    "pay": ("paid",),
    "say": ("said",),
    "sell": ("sold",),
    "send": ("sent",),
    "shake": ("shook", "shaken"),
    "sink": ("sank", "sunk"),
    "sleep": ("slept",),
    "speak": ("spoke", "spoken"),
    "stand": ("stood",),
    "stick": ("stuck",),
    "strike": ("struck", "stricken"),
    "swear": ("swore", "sworn"),
    "teach": ("taught",),
    "tell": ("told",),
    "think": ("thought",),
    "throw": ("threw", "thrown"),
    "wake": ("woke", "woken"),
    "wear": ("wore", "worn"),
    "weep": ("wept",),
    "write": ("wrote", "written"),
    "make": ("made",),
    "find": ("found",),
    "become": ("became",),
    "begin": ("began", "begun"),
    "bleed": ("bled",),
    "blow": ("blew", "blown"),
    "bring": ("brought",),
    "build": ("built",),
    "buy": ("bought",),
    "catch": ("caught",),
    "choose": ("chose", "chosen"),
    "deal": ("dealt",),
    "dig": ("dug",),
    "draw": ("drew", "drawn"),
    "drink": ("drank", "drunk"),
    "drive": ("drove", "driven"),
    "feed": ("fed",),
    "feel": ("felt",),
    "fly": ("flew", "flown", "flies"),
    "freeze": ("froze", "frozen"),
    "grow": ("grew", "grown"),
    "hang": ("hung",),
    "hear": ("heard",),
    "lead": ("led",),
    "lend": ("lent",),
    "light": ("lit",),
    "mean": ("meant",),
    "ride": ("rode", "ridden"),
    "ring": ("rang", "rung"),
    "rise": ("rose", "risen"),
    "seek": ("sought",),
    "slay": ("slew", "slain"),
    "slide": ("slid",),
    "spend": ("spent",),
    "stink": ("stank", "stunk"),
    "swing": ("swung",),
    "tear": ("tore", "torn"),
    "understand": ("understood",),
    "shine": ("shone",),
    "sit": ("sat",),
    "spin": ("spun",),
    "swim": ("swam", "swum"),
    "forsake": ("forsook", "forsaken"),
    "betray": (),
    "can": ("could",),
    "will": ("would",),
}

# Words never inflected: function words, whose "forms" would only be noise.
_FIXED = frozenset(
    "a an the and or but of to in on at by for with from into onto over under his her its their my your "
    "our him them he she it they we you i me us this that these those not no yes so as than then".split()
)

_NO_REGULAR = frozenset({"be", "can", "will"})  # "bed", "cans" and "wills" are other words
_IRREGULAR_BASE = {form: base for base, irregular in _IRREGULAR.items() for form in irregular}
_VOWELS = frozenset("aeiou")


def _regular(base: str) -> set[str]:
    """The regular forms of ``base``: -s, -ed, -ing with English spelling rules."""
    out = {base}
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        out.add(base + "es")
    elif base.endswith("y") and len(base) > 1 and base[-2] not in _VOWELS:
        out.add(base[:-1] + "ies")
    else:
        out.add(base + "s")
    if base.endswith("e"):
        out.add(base + "d")
    elif base.endswith("y") and len(base) > 1 and base[-2] not in _VOWELS:
        out.add(base[:-1] + "ied")
    else:
        out.add(base + "ed")
        out.add(base + base[-1] + "ed")  # stab → stabbed (a doubled letter matches either way)
    if base.endswith("ie"):
        out.add(base[:-2] + "ying")
    elif base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        out.add(base[:-1] + "ing")
    else:
        out.add(base + "ing")
    return out


def _bases(word: str) -> set[str]:
    """The verbs ``word`` can be a form of: itself when it is no recognisable form of another."""
    bases = set()
    if word in _IRREGULAR_BASE:
        bases.add(_IRREGULAR_BASE[word])
    candidates: set[str] = set()
    if word.endswith("ies"):
        candidates.add(word[:-3] + "y")
    if word.endswith("es"):
        candidates.add(word[:-2])
    if word.endswith("s"):
        candidates.add(word[:-1])
    if word.endswith("ied"):
        candidates.add(word[:-3] + "y")
    if word.endswith("ed"):
        candidates.update((word[:-2], word[:-1]))
        if len(word) > 4 and word[-3] == word[-4]:
            candidates.add(word[:-3])
    if word.endswith("ying"):
        candidates.add(word[:-4] + "ie")
    if word.endswith("ing"):
        candidates.update((word[:-3], word[:-3] + "e"))
        if len(word) > 5 and word[-4] == word[-5]:
            candidates.add(word[:-4])
    for base in candidates:
        if len(base) >= 3 and (base in _IRREGULAR or word in _regular(base)):
            bases.add(base)
    return bases or {word}


@lru_cache(maxsize=8192)
def forms(word: str) -> frozenset[str]:
    """Every form of every verb ``word`` can be a form of (``word`` itself included); only ``word``
    for function words, short words and words with digits."""
    known = word in _IRREGULAR or word in _IRREGULAR_BASE
    if word in _FIXED or (len(word) < 3 and not known) or not (word.isascii() and word.isalpha()):
        return frozenset({word})
    bases = _bases(word)
    if bases == {word} and word not in _IRREGULAR:
        return frozenset({word})  # no recognisable verb form ("ivan", "rocket", "kill"): left alone
    out: set[str] = {word}
    for base in bases:
        out |= {base} if base in _NO_REGULAR else _regular(base)
        out.update(_IRREGULAR.get(base, ()))
    return frozenset(out)


def predicates(word: str) -> frozenset[str]:
    """Adjectives that say what the verb ``word`` says when a copula comes before them."""
    return frozenset(p for base in _bases(word) if base in PREDICATES for p in PREDICATES[base])
