"""Hold every request body the bot sends to Discord's published OpenAPI spec and to the limits
Discord enforces but the spec leaves out.

`SpecValidator.validate(method, path, body)` returns a list of violations, each one line naming the
request, the JSON pointer of the failing field and the reason. An empty list means the body is fine.
`check_discord_limits` holds the unwritten limits; it needs no spec file.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import regex
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_ENV = "DISCORD_OPENAPI_SPEC"
_API_PREFIX = re.compile(r"^/api/v\d+(?=/)")
# Keys whose enum/const mismatch tells which branch of a union a body meant (a discriminator).
_DISCRIMINATORS = frozenset({"type", "entity_type"})
_MAX_REPR = 60
_VERDICTS_MAX = 1024  # remembered (route, body) verdicts; cleared when full
_CONST_KEYS = frozenset({"const", "title", "description"})
_SPEC_URI = "urn:discord:openapi"

Problem = tuple[str, str]  # (JSON pointer, reason)


class SpecNotFound(RuntimeError):
    """The OpenAPI spec was not found. The emulator refuses to run unchecked: a run that silently skipped
    validation would pass requests Discord rejects."""


# --- locating the spec -----------------------------------------------------------------------------


def find_spec_path() -> Path | None:
    """The spec named by $DISCORD_OPENAPI_SPEC, else ../shared/discord-api-spec/openapi.json next to
    the repository; None when that file does not exist."""
    configured = os.environ.get(SPEC_ENV)
    if configured:
        path = Path(configured)
        return path if path.is_file() else None
    repo_root = Path(__file__).resolve().parents[2]
    path = repo_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    return path if path.is_file() else None


@functools.cache
def load_default_validator() -> SpecValidator:
    """One validator per process; SpecNotFound when the spec is missing (never a silent skip)."""
    path = find_spec_path()
    if path is None:
        configured = os.environ.get(SPEC_ENV)
        where = f"${SPEC_ENV}={configured!r} is not a file" if configured else "no openapi.json found"
        raise SpecNotFound(
            f"Discord OpenAPI spec not found: {where} (looked in ${SPEC_ENV}, then "
            "../shared/discord-api-spec/openapi.json beside the repository)"
        )
    return SpecValidator(path)


# --- the validator ---------------------------------------------------------------------------------


def _split_path(path: str) -> tuple[str, list[str]]:
    """The path without query string or /api/vN prefix, and its unquoted segments."""
    bare = path.split("?", 1)[0].split("#", 1)[0]
    bare = _API_PREFIX.sub("", bare).rstrip("/") or "/"
    return bare, [unquote(segment) for segment in bare.strip("/").split("/")]


def _pointer(parts: Any) -> str:
    if not parts:
        return "(body)"
    return "".join("/" + _escape(str(p)) for p in parts)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 1] + "…"


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("attachment", "data"))


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    """Only the formats Discord checks in bodies; the rest (int32, snowflake, ...) are hints."""
    checker = FormatChecker(formats=())
    checker.checks("uri")(_is_uri)
    checker.checks("date-time")(_is_datetime)
    return checker


def _patch_spec(spec: dict[str, Any]) -> None:
    """Fix spots where the spec is stricter than Discord, and make its unions fast and precise.

    Snowflakes: the spec allows only decimal strings, but Discord accepts integers too and
    discord.py sends ints (allowed_mentions.users/roles, message_reference.message_id).
    Enums written as oneOf of titled consts become plain enums (one check, one clear error).
    Unions (oneOf/anyOf of components, callbacks, scheduled events) told apart by a `type`
    property become if/then cases: only the branch the body names is checked, and its errors
    are reported instead of "not valid under any of the given schemas".
    """
    schemas = spec.get("components", {}).get("schemas", {})
    _discriminate_unions(spec, schemas)
    if "SnowflakeType" in schemas:
        schemas["SnowflakeType"] = {
            "type": ["string", "integer"],
            "pattern": r"^(0|[1-9][0-9]*)$",
            "minimum": 0,
        }


def _discriminated(branches: list[Any], schemas: dict[str, Any]) -> dict[str, Any] | None:
    """A union of object schemas told apart by one enum property (`type`), rewritten as if/then
    cases; None when the branches are not like that."""
    nullable = False
    cases: list[tuple[str, list[Any], Any]] = []
    for branch in branches:
        if branch == {"type": "null"}:
            nullable = True
            continue
        ref = branch.get("$ref", "") if isinstance(branch, dict) and len(branch) == 1 else ""
        target = schemas.get(ref.removeprefix("#/components/schemas/")) if ref else None
        if not isinstance(target, dict):
            return None
        properties, required = target.get("properties", {}), target.get("required", [])
        key = next((k for k in _DISCRIMINATORS if k in required and "enum" in properties.get(k, {})), None)
        if key is None:
            return None
        cases.append((key, properties[key]["enum"], branch))
    values = [value for _, enum, _ in cases for value in enum]
    if len(cases) < 2 or len({key for key, _, _ in cases}) != 1 or len(values) != len(set(values)):
        return None
    key = cases[0][0]
    node: dict[str, Any] = {
        "type": "object",
        "required": [key],
        "properties": {key: {"enum": values}},
        "allOf": [{"if": {"properties": {key: {"enum": enum}}}, "then": then} for _, enum, then in cases],
    }
    return {"anyOf": [{"type": "null"}, node]} if nullable else node


def _discriminate_unions(node: Any, schemas: dict[str, Any]) -> None:
    """Rewrite, in place, every union that a discriminator decides (see `_discriminated`)."""
    if isinstance(node, list):
        for item in node:
            _discriminate_unions(item, schemas)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _discriminate_unions(value, schemas)
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list):
            continue
        if "enum" not in node and all(
            isinstance(b, dict) and "const" in b and set(b) <= _CONST_KEYS for b in branches
        ):
            del node[keyword]  # an enum written as a union of titled constants
            node["enum"] = [b["const"] for b in branches]
        elif (cases := _discriminated(branches, schemas)) is not None:
            del node[keyword]
            node.setdefault("allOf", []).append(cases)


def _reason(error: ValidationError) -> str:
    value, instance, kind = error.validator_value, error.instance, error.validator
    if kind == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"{_short(instance)} is not of type {expected}"
    if kind in ("maxLength", "minLength") and isinstance(instance, str):
        bound = "at most" if kind == "maxLength" else "at least"
        return f"string of {len(instance)} characters, allowed {bound} {value} ({kind})"
    if kind in ("maxItems", "minItems") and isinstance(instance, list):
        bound = "at most" if kind == "maxItems" else "at least"
        return f"{len(instance)} items, allowed {bound} {value} ({kind})"
    if kind == "enum":
        return f"{_short(instance)} is not one of {_short(value)}"
    if kind in ("maximum", "minimum"):
        return f"{_short(instance)} is {'above the maximum' if kind == 'maximum' else 'below the minimum'} {value}"
    if kind == "pattern":
        return f"{_short(instance)} does not match {value!r}"
    if kind == "format":
        return f"{_short(instance)} is not a valid {value}"
    message = error.message
    return message if len(message) <= 200 else message[:199] + "…"


def _ruled_out(branch: list[ValidationError]) -> bool:
    """A union branch whose type or discriminator the body does not even match."""
    for error in branch:
        path = error.relative_path
        if error.validator == "type" and not path:
            return True
        if error.validator in ("enum", "const") and len(path) == 1 and path[0] in _DISCRIMINATORS:
            return True
    return False


def _signature(errors: list[ValidationError]) -> frozenset[tuple[Any, ...]]:
    return frozenset((tuple(e.relative_path), e.validator, repr(e.validator_value)) for e in errors)


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """Descend anyOf/oneOf failures into the one branch the body meant, when it can be told."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [errors for errors in branches.values() if not _ruled_out(errors)]
        if len(meant) > 1:  # the closest branches: fewest errors
            fewest = min(len(errors) for errors in meant)
            meant = [errors for errors in meant if len(errors) == fewest]
        if len(meant) > 1 and len({_signature(errors) for errors in meant}) == 1:
            meant = meant[:1]  # every branch fails the same way, e.g. maxItems of `choices`
        if len(meant) == 1:
            for sub in meant[0]:
                yield from _leaf_errors(sub)
            return
        closest = best_match(error.context)
        if closest is not None and closest is not error:
            error.message = (
                f"matches none of the {len(branches)} alternatives ({error.validator}); closest: "
                f"{_pointer(closest.absolute_path)}: {_reason(closest)}"
            )
    yield error


class SpecValidator:
    """Validate JSON request bodies against the `requestBody` schemas of Discord's OpenAPI spec."""

    def __init__(self, spec_path: Path | None = None) -> None:
        path = spec_path if spec_path is not None else find_spec_path()
        if path is None:
            raise FileNotFoundError(f"Discord OpenAPI spec not found (set ${SPEC_ENV})")
        with open(path, encoding="utf-8") as handle:
            self.spec: dict[str, Any] = json.load(handle)
        _patch_spec(self.spec)
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._format_checker = _format_checker()
        self._routes: dict[int, list[tuple[tuple[str | None, ...], str]]] = {}
        for template in self.spec["paths"]:
            segments = tuple(
                None if s.startswith("{") and s.endswith("}") else s for s in template.strip("/").split("/")
            )
            self._routes.setdefault(len(segments), []).append((segments, template))
        self._validators: dict[tuple[str, str, bool], Draft202012Validator | None] = {}
        self._verdicts: dict[tuple[str, str, bool, str], tuple[Problem, ...]] = {}

    def match_route(self, method: str, path: str) -> str | None:
        """The spec's path template for this request, preferring literal segments over parameters."""
        method = method.lower()
        _, segments = _split_path(path)
        best: tuple[tuple[bool, ...], str] | None = None
        for pattern, template in self._routes.get(len(segments), ()):
            if method not in self.spec["paths"][template]:
                continue
            if all(p is None or p == s for p, s in zip(pattern, segments, strict=True)):
                rank = tuple(p is None for p in pattern)
                if best is None or rank < best[0]:
                    best = (rank, template)
        return None if best is None else best[1]

    def _validator(self, template: str, method: str, multipart: bool) -> Draft202012Validator | None:
        key = (template, method, multipart)
        if key not in self._validators:
            self._validators[key] = self._compile(template, method, multipart)
        return self._validators[key]

    def _compile(self, template: str, method: str, multipart: bool) -> Draft202012Validator | None:
        content = self.spec["paths"][template][method].get("requestBody", {}).get("content", {})
        pointer = f"/paths/{_escape(template)}/{method}/requestBody/content"
        form = content.get("multipart/form-data", {}).get("schema", {})
        if multipart and "payload_json" in form.get("properties", {}):
            pointer += "/multipart~1form-data/schema/properties/payload_json"
        elif "application/json" in content:
            pointer += "/application~1json/schema"
        elif form:
            pointer += "/multipart~1form-data/schema"
        else:
            return None
        # A reference into the whole spec, so its "#/components/schemas/..." references resolve.
        schema = {"$ref": f"{_SPEC_URI}#{quote(pointer)}"}
        return Draft202012Validator(schema, registry=self._registry, format_checker=self._format_checker)

    def _schema_problems(self, template: str, method: str, body: Any, multipart: bool) -> list[Problem]:
        """The spec's verdict, remembered for bodies seen before (command syncs, repeated views)."""
        key = (template, method, multipart, json.dumps(body, sort_keys=True, default=repr))
        cached = self._verdicts.get(key)
        if cached is not None:
            return list(cached)
        problems: list[Problem] = []
        if body is None:
            if self.spec["paths"][template][method].get("requestBody", {}).get("required"):
                problems.append(("(body)", "a JSON body is required"))
        elif (validator := self._validator(template, method, multipart)) is None:
            problems.append(("(body)", f"{template} takes no request body"))
        else:
            leaves = [leaf for error in validator.iter_errors(body) for leaf in _leaf_errors(error)]
            # A value of the wrong type fails its enum/pattern/length too: say only the type.
            mistyped = {_pointer(e.absolute_path) for e in leaves if e.validator == "type"}
            for error in leaves:
                pointer = _pointer(error.absolute_path)
                if error.validator == "type" or pointer not in mistyped:
                    problems.append((pointer, _reason(error)))
        if len(self._verdicts) >= _VERDICTS_MAX:
            self._verdicts.clear()
        self._verdicts[key] = tuple(problems)
        return problems

    def validate(self, method: str, path: str, body: Any, *, multipart: bool = False) -> list[str]:
        """Every way `body` breaks the spec or Discord's limits; [] when it is fine.

        `path` is the request path after /api/v10 (a query string is ignored). For a multipart
        request pass the parsed payload_json object and `multipart=True`.
        """
        bare, _ = _split_path(path)
        where = f"{method.upper()} {bare}"
        template = self.match_route(method, path)
        if template is None:
            return [f"no such route in spec: {where}"]
        problems = self._schema_problems(template, method.lower(), body, multipart)
        flagged = {pointer for pointer, _ in problems}
        problems.extend(p for p in _limit_problems(method, path, body) if p[0] not in flagged)
        return [f"{where}: {pointer}: {reason}" for pointer, reason in problems]


# --- limits Discord enforces that the spec leaves out ----------------------------------------------

_ID = r"[^/]+"
_COMMANDS = rf"/applications/{_ID}(?:/guilds/{_ID})?/commands"
_LIMIT_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(rf"/channels/{_ID}/messages"), "message"),
    ("PATCH", re.compile(rf"/channels/{_ID}/messages/{_ID}"), "message"),
    ("POST", re.compile(rf"/webhooks/{_ID}/{_ID}"), "message"),
    ("PATCH", re.compile(rf"/webhooks/{_ID}/{_ID}/messages/{_ID}"), "message"),
    ("POST", re.compile(rf"/channels/{_ID}/threads"), "thread"),
    ("POST", re.compile(rf"/interactions/{_ID}/{_ID}/callback"), "callback"),
    ("PUT", re.compile(_COMMANDS), "commands"),
    ("POST", re.compile(_COMMANDS), "command"),
    ("PATCH", re.compile(rf"{_COMMANDS}/{_ID}"), "command_patch"),
]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_FIELDS_MAX = 25
_EMBED_TEXT = {"title": 256, "description": 4096}
_EMBED_NESTED_TEXT = {("footer", "text"): 2048, ("author", "name"): 256}
_FIELD_TEXT = {"name": 256, "value": 1024}
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
SELECT_OPTION_TEXT_MAX = 100
MODAL_COMPONENTS_MAX = 5
COMMAND_NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
COMMAND_TOTAL_MAX = 4000
COMMANDS_PER_TYPE_MAX = {1: 100, 2: 15, 3: 15}
_IS_COMPONENTS_V2 = 1 << 15
_SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
_SUBCOMMAND_TYPES = frozenset({1, 2})


def check_discord_limits(method: str, path: str, body: Any) -> list[str]:
    """Every limit Discord enforces that `body` breaks, for the request kinds that carry messages,
    interaction responses or application commands. Works without the spec file."""
    bare, _ = _split_path(path)
    where = f"{method.upper()} {bare}"
    return [f"{where}: {pointer}: {reason}" for pointer, reason in _limit_problems(method, path, body)]


def _limit_problems(method: str, path: str, body: Any) -> list[Problem]:
    bare, _ = _split_path(path)
    kind = next(
        (k for m, route, k in _LIMIT_ROUTES if m == method.upper() and route.fullmatch(bare)),
        None,
    )
    out: list[Problem] = []
    if kind == "message":
        _check_message(body, "", out)
    elif kind == "thread" and isinstance(body, dict):
        _check_message(body.get("message"), "/message", out)
    elif kind == "callback":
        _check_callback(body, out)
    elif kind == "commands" and isinstance(body, list):
        _check_command_list(body, out)
    elif kind in ("command", "command_patch"):
        _check_command(body, "", out, partial=kind == "command_patch")
    return out


def _too_long(value: Any, limit: int, ptr: str, out: list[Problem], what: str = "") -> None:
    if isinstance(value, str) and len(value) > limit:
        out.append((ptr, f"{what or 'text'} is {len(value)} characters; Discord allows at most {limit}"))


def _too_many(value: Any, limit: int, ptr: str, out: list[Problem], what: str) -> None:
    if isinstance(value, list) and len(value) > limit:
        out.append((ptr, f"{len(value)} {what}; Discord allows at most {limit}"))


def _check_message(message: Any, ptr: str, out: list[Problem]) -> None:
    if not isinstance(message, dict):
        return
    _too_long(message.get("content"), CONTENT_MAX, f"{ptr}/content", out, "content")
    embeds = message.get("embeds")
    if isinstance(embeds, list):
        _too_many(embeds, EMBEDS_MAX, f"{ptr}/embeds", out, "embeds")
        total = sum(_check_embed(embed, f"{ptr}/embeds/{i}", out) for i, embed in enumerate(embeds))
        if total > EMBED_TOTAL_MAX:
            out.append(
                (f"{ptr}/embeds", f"embeds hold {total} characters in all; Discord allows {EMBED_TOTAL_MAX}")
            )
    flags = message.get("flags")
    v2 = isinstance(flags, int) and bool(flags & _IS_COMPONENTS_V2)
    components = message.get("components")
    if isinstance(components, list):
        if not v2:
            _too_many(components, ACTION_ROWS_MAX, f"{ptr}/components", out, "action rows")
        _check_components(components, f"{ptr}/components", out)


def _check_embed(embed: Any, ptr: str, out: list[Problem]) -> int:
    """Check one embed; return its characters counted toward the 6,000 limit."""
    if not isinstance(embed, dict):
        return 0
    total = 0
    for key, limit in _EMBED_TEXT.items():
        text = embed.get(key)
        if isinstance(text, str):
            total += len(text)
            _too_long(text, limit, f"{ptr}/{key}", out, f"embed {key}")
    for (outer, key), limit in _EMBED_NESTED_TEXT.items():
        part = embed.get(outer)
        text = part.get(key) if isinstance(part, dict) else None
        if isinstance(text, str):
            total += len(text)
            _too_long(text, limit, f"{ptr}/{outer}/{key}", out, f"embed {outer} {key}")
    fields = embed.get("fields")
    if isinstance(fields, list):
        _too_many(fields, EMBED_FIELDS_MAX, f"{ptr}/fields", out, "embed fields")
        for i, field in enumerate(fields):
            if not isinstance(field, dict):
                continue
            for key, limit in _FIELD_TEXT.items():
                text = field.get(key)
                if isinstance(text, str):
                    total += len(text)
                    _too_long(text, limit, f"{ptr}/fields/{i}/{key}", out, f"field {key}")
    return total


def _walk_components(components: list[Any], ptr: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every component at any depth (rows, containers, sections, labels) with its pointer."""
    for i, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        here = f"{ptr}/{i}"
        yield component, here
        children = component.get("components")
        if isinstance(children, list):
            yield from _walk_components(children, f"{here}/components")
        for single in ("accessory", "component"):
            child = component.get(single)
            if isinstance(child, dict):
                yield child, f"{here}/{single}"
                nested = child.get("components")
                if isinstance(nested, list):
                    yield from _walk_components(nested, f"{here}/{single}/components")


def _check_components(components: list[Any], ptr: str, out: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for component, here in _walk_components(components, ptr):
        kind = component.get("type")
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            _too_long(custom_id, CUSTOM_ID_MAX, f"{here}/custom_id", out, "custom_id")
            if custom_id in seen:
                out.append((f"{here}/custom_id", f"custom_id {_short(custom_id)} repeats {seen[custom_id]}"))
            seen.setdefault(custom_id, f"{here}/custom_id")
        if kind == 1:
            _check_action_row(component, here, out)
        elif kind == 2:
            _too_long(component.get("label"), BUTTON_LABEL_MAX, f"{here}/label", out, "button label")
        elif kind in _SELECT_TYPES:
            _check_select(component, here, out)


def _check_action_row(row: dict[str, Any], ptr: str, out: list[Problem]) -> None:
    children = [c for c in row.get("components") or [] if isinstance(c, dict)]
    selects = [c for c in children if c.get("type") in _SELECT_TYPES]
    if selects and len(children) > 1:
        out.append(
            (f"{ptr}/components", f"a select menu fills its action row, but this row holds {len(children)}")
        )
    buttons = [c for c in children if c.get("type") == 2]
    _too_many(buttons, ROW_BUTTONS_MAX, f"{ptr}/components", out, "buttons in one action row")


def _check_select(select: dict[str, Any], ptr: str, out: list[Problem]) -> None:
    _too_long(select.get("placeholder"), SELECT_PLACEHOLDER_MAX, f"{ptr}/placeholder", out, "placeholder")
    options = select.get("options")
    if not isinstance(options, list):
        return
    _too_many(options, SELECT_OPTIONS_MAX, f"{ptr}/options", out, "select options")
    for i, option in enumerate(options):
        if isinstance(option, dict):
            for key in ("label", "value", "description"):
                _too_long(
                    option.get(key), SELECT_OPTION_TEXT_MAX, f"{ptr}/options/{i}/{key}", out, f"option {key}"
                )


def _check_callback(body: Any, out: list[Problem]) -> None:
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return
    kind, data = body.get("type"), body["data"]
    if kind in (4, 7):
        _check_message(data, "/data", out)
    elif kind == 8:
        _check_choices(data.get("choices"), "/data/choices", out, "autocomplete results")
    elif kind == 9:
        _too_long(data.get("custom_id"), CUSTOM_ID_MAX, "/data/custom_id", out, "custom_id")
        components = data.get("components")
        if isinstance(components, list):
            _too_many(components, MODAL_COMPONENTS_MAX, "/data/components", out, "modal components")
            _check_components(components, "/data/components", out)


def _check_choices(choices: Any, ptr: str, out: list[Problem], what: str) -> int:
    """Check choices (of an option or an autocomplete answer); return their characters."""
    if not isinstance(choices, list):
        return 0
    _too_many(choices, CHOICES_MAX, ptr, out, what)
    total = 0
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        name, value = choice.get("name"), choice.get("value")
        if isinstance(name, str):
            total += len(name)
            if not 1 <= len(name) <= CHOICE_TEXT_MAX:
                out.append(
                    (f"{ptr}/{i}/name", f"choice name is {len(name)} characters; Discord allows 1-100")
                )
        if isinstance(value, str):
            total += len(value)
            _too_long(value, CHOICE_TEXT_MAX, f"{ptr}/{i}/value", out, "choice value")
    return total


# Discord's own pattern for command, option and localised names (`regex` knows \p{sc=...}; it ships
# with dateparser).
COMMAND_NAME_PATTERN = regex.compile(r"^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")


def is_command_name(name: str) -> bool:
    """Discord's ^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$."""
    return COMMAND_NAME_PATTERN.fullmatch(name) is not None


# Discord's locales (AvailableLocalesEnum): the only keys *_localizations may have.
DISCORD_LOCALES = frozenset(
    "ar bg cs da de el en-GB en-US es-419 es-ES fi fr he hi hr hu id it ja ko lt nl no pl pt-BR ro ru "
    "sv-SE th tr uk vi zh-CN zh-TW".split()
)


def _check_name(name: Any, ptr: str, out: list[Problem], chat_input: bool) -> None:
    if not isinstance(name, str):
        return
    if not chat_input:
        if not 1 <= len(name) <= COMMAND_NAME_MAX:
            out.append((ptr, f"name {_short(name)} must be 1-{COMMAND_NAME_MAX} characters"))
    elif not is_command_name(name):
        out.append(
            (
                ptr,
                f"name {_short(name)} must match ^[-_\\p{{L}}\\p{{N}}\\p{{sc=Deva}}\\p{{sc=Thai}}]{{1,32}}$",
            )
        )
    elif name != name.lower():
        out.append((ptr, f"name {_short(name)} must be lower-case"))


def _check_description(text: Any, ptr: str, out: list[Problem]) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= DESCRIPTION_MAX:
        length = len(text) if isinstance(text, str) else 0
        out.append((ptr, f"description is {length} characters; Discord requires 1-{DESCRIPTION_MAX}"))


def _check_localized(item: dict[str, Any], ptr: str, out: list[Problem], chat_input: bool) -> None:
    names = item.get("name_localizations")
    if isinstance(names, dict):
        for locale, name in names.items():
            if locale not in DISCORD_LOCALES:
                out.append((f"{ptr}/name_localizations", f"{_short(locale)} is not a Discord locale"))
            _check_name(name, f"{ptr}/name_localizations/{locale}", out, chat_input)
    descriptions = item.get("description_localizations")
    if isinstance(descriptions, dict):
        for locale, text in descriptions.items():
            if locale not in DISCORD_LOCALES:
                out.append((f"{ptr}/description_localizations", f"{_short(locale)} is not a Discord locale"))
            _check_description(text, f"{ptr}/description_localizations/{locale}", out)


def _check_localized_unique(items: list[Any], ptr: str, out: list[Problem]) -> None:
    """Siblings' names must stay unique in every locale (a missing localisation shows the default)."""
    dicts = [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]
    locales: set[str] = set()
    for _i, item in dicts:
        if isinstance(item.get("name_localizations"), dict):
            locales.update(item["name_localizations"])
    for locale in sorted(locales):
        seen: dict[tuple[Any, Any], int] = {}
        for i, item in dicts:
            shown = (item.get("name_localizations") or {}).get(locale) or item.get("name")
            key = (item.get("type") or 1 if ptr == "" else 0, shown)
            if key in seen:
                out.append(
                    (
                        f"{ptr}/{i}/name_localizations/{locale}",
                        f"{_short(shown)} repeats {ptr}/{seen[key]} in {locale}",
                    )
                )
            seen.setdefault(key, i)


def _check_command_list(commands: list[Any], out: list[Problem]) -> None:
    seen: dict[tuple[Any, Any], int] = {}
    per_type: dict[Any, int] = {}
    for i, command in enumerate(commands):
        _check_command(command, f"/{i}", out, partial=False)
        if not isinstance(command, dict):
            continue
        key = (command.get("type") or 1, command.get("name"))
        if key in seen:
            out.append((f"/{i}/name", f"command {_short(key[1])} repeats /{seen[key]}"))
        seen.setdefault(key, i)
        per_type[key[0]] = per_type.get(key[0], 0) + 1
    _check_localized_unique(commands, "", out)
    for kind, count in per_type.items():
        limit = COMMANDS_PER_TYPE_MAX.get(kind)
        if limit is not None and count > limit:
            out.append(("(body)", f"{count} commands of type {kind}; Discord allows at most {limit}"))


def _check_command(command: Any, ptr: str, out: list[Problem], *, partial: bool) -> None:
    if not isinstance(command, dict):
        return
    chat_input = (command.get("type") or 1) == 1
    if "name" in command or not partial:
        _check_name(command.get("name"), f"{ptr}/name", out, chat_input)
    _check_localized(command, ptr, out, chat_input)
    description = command.get("description")
    if chat_input:
        if "description" in command or not partial:
            _check_description(description, f"{ptr}/description", out)
    elif description:
        out.append((f"{ptr}/description", "user and message commands must have an empty description"))
    total = _check_options(command.get("options"), f"{ptr}/options", out)
    for key in ("name", "description"):
        text = command.get(key)
        total += len(text) if isinstance(text, str) else 0
    if total > COMMAND_TOTAL_MAX:
        out.append((ptr or "(body)", f"names, descriptions and values hold {total} characters; max 4000"))


def _check_options(options: Any, ptr: str, out: list[Problem]) -> int:
    """Check options recursively; return their characters toward the 4,000 per-command limit."""
    if not isinstance(options, list):
        return 0
    _too_many(options, OPTIONS_MAX, ptr, out, "options")
    total = 0
    names: dict[Any, int] = {}
    optional_seen = False
    _check_localized_unique(options, ptr, out)
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = f"{ptr}/{i}"
        name = option.get("name")
        _check_name(name, f"{here}/name", out, chat_input=True)
        if name in names:
            out.append((f"{here}/name", f"option {_short(name)} repeats {ptr}/{names[name]}"))
        names.setdefault(name, i)
        _check_description(option.get("description"), f"{here}/description", out)
        _check_localized(option, here, out, chat_input=True)
        for key in ("name", "description"):
            text = option.get(key)
            total += len(text) if isinstance(text, str) else 0
        if option.get("type") in _SUBCOMMAND_TYPES:
            total += _check_options(option.get("options"), f"{here}/options", out)
            continue
        if option.get("required"):
            if optional_seen:
                out.append((f"{here}/required", "required options must come before optional ones"))
        else:
            optional_seen = True
        choices = option.get("choices")
        if choices and option.get("autocomplete"):
            out.append((f"{here}/autocomplete", "an option cannot have both choices and autocomplete"))
        total += _check_choices(choices, f"{here}/choices", out, "choices")
    return total
