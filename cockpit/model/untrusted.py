"""Text from outside — servers, clusters, runbooks, old journals — made safe to show and keep.

Two jobs, both pure and idempotent:

- `visible`: a terminal acts on control characters (ESC starts OSC titles, OSC 52
  clipboard writes, CSI screen clears; 8-bit C1 does the same in one byte; bidi overrides
  reorder what the eye reads). Each becomes a harmless printable stand-in: C0 → its
  Unicode control picture (ESC → ␛), DEL → ␡, C1, bidi controls, line/paragraph
  separators and lone surrogates → `<U+009B>`. Newline and tab stay: they are layout,
  and widgets lay them out. CR LF becomes LF; a lone CR (which would let a line be
  overwritten on screen) becomes ␍.
- `scrub`: error bodies echo credentials. Authorization headers, Bearer tokens, Basic
  credentials, `password=…` (libpq DSN, query string), `"password": "…"` (JSON),
  `user:pass@` in URLs and JWTs become `***`.

`clean` is `scrub(visible(text))`: scrubbing after `visible` means the scrubber only ever
sees printable text, and since it never adds a control, `clean` is idempotent as soon as
`scrub` is. Both have a fast path (`isprintable` and a few substring tests; a set of
strings already seen clean) because every string of a 10,000-pod list goes through them.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator

REDACTED = "***"

# --- visible ------------------------------------------------------------------------------

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def escaped(json_text: str) -> str:
    """JSON text with every character a terminal would act on as its `\\uXXXX` escape: the
    same data, safe to `cat`."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def visible(text: str) -> str:
    """`text` with every character a terminal would act on shown instead of obeyed."""
    if text.isprintable():
        return text
    return _UNSAFE.sub(_picture, text.replace("\r\n", "\n"))


# --- scrub --------------------------------------------------------------------------------

#: every pattern below needs one of these words (case aside): most strings skip it
_KEYWORDS = (
    "authoriz",
    "bearer",
    "basic",
    "pass",
    "secret",
    "token",
    "key",
    "pwd",
    "://",
    "eyj",
    "-u",  # curl's -u/--user/--proxy-user
    "akia",
    "asia",
    "abia",
    "acca",
)

#: a name that holds a credential: password, client_secret, api-key, aws_secret_access_key
_KEY = (
    r"[A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key)"
    r"(?:[_.-]?(?:access[_.-]?)?key)?|pwd"
)
#: HTTP authentication schemes (IANA registry and common ones): the credential follows
_SCHEME = (
    r"(?:bearer|basic|digest|negotiate|ntlm|token|apikey|jwt|dpop|hoba|mutual|hawk|vapid"
    r"|aws4-hmac-sha256|scram-sha-(?:1|256)|privatetoken|oauth)"
)
_TOKEN = r"[A-Za-z0-9\-._~+/]"
#: curl's options that take `user:password`
_USER_FLAG = r"(?<![\w-])(?:-u|--user|--proxy-user)(?:[ \t]+|=)?"
_SECRETS = re.compile(
    # Authorization: <scheme> <credentials>, as a header, in JSON or in a Python repr
    rf"(?P<auth>\b(?:proxy-)?authorization\b[\"']?\s*[:=]\s*[\"']?(?:{_SCHEME}\s+)?)"
    r"(?P<auth_value>[^\s\"',;\\]+)"
    # Bearer <token> anywhere: a whole token (a prose word after "bearer" is too short)
    rf"|(?P<bearer>\bbearer\s+)(?P<bearer_value>{_TOKEN}{{8,}}=*)(?![A-Za-z0-9\-._~+/=])"
    # Basic <base64 of user:password>
    r"|(?P<basic>\bBasic\s+)(?P<basic_value>[A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])"
    # curl -u 'user:password', --user user:password (quoted: up to the quote)
    rf"|(?P<curlq>{_USER_FLAG}[\"'][^\s:\"']*:)(?P<curlq_value>[^\"'\n]+)"
    rf"|(?P<curl>{_USER_FLAG}(?P<curl_user>[^\s:\"'@]*):)(?P<curl_value>[^\s\"']+)"
    # an AWS access key id (a long-term AKIA…, a temporary ASIA…)
    r"|(?P<akid>(?-i:(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])))"
    # `aws configure set aws_secret_access_key <key>`
    r"|(?P<awss>\baws_secret_access_key[ \t]+)(?P<awss_value>[A-Za-z0-9/+=]{16,})"
    # "password": "…" (JSON, Python repr)
    rf"|(?P<jkey>(?P<q>[\"'])(?:{_KEY})(?P=q)\s*:\s*)"
    r"(?P<jvalue>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^\s,}\]\\]+)"
    # password=… (libpq DSN: quoted with backslash escapes; query string: up to & or #)
    rf"|(?P<kv>\b(?:{_KEY})\s*=\s*)(?P<kv_value>'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?"
    r"|[^\s&;,#'\"\\]+)"
    # password: … (YAML, an HTTP header, an env listing), --password … (a command's flag)
    rf"|(?P<colon>(?<![\w-])(?:{_KEY})[ \t]*:[ \t]+)(?P<colon_value>[^\s\"',;{{}}\[\]]+)"
    rf"|(?P<flag>(?<![\w-])--?(?:{_KEY})[ \t]+)(?P<flag_value>'[^'\n]*'?|\"[^\"\n]*\"?|[^\s\"']+)"
    # scheme://user:password@host, wherever the scheme starts (`\x1b[31mpostgres://…`: no
    # word boundary before it). RFC 3986's userinfo has no quote, bracket or backslash:
    # a URL's port in JSON, `"https://h:1","x":"a@b"`, is no password
    r"|(?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:)"
    r"(?P<url_value>[^\s/?#\"<>\\^`{|}\[\]]*)(?=@)"
    # a JWT: base64url header and payload, both JSON objects ({" → eyJ)
    r"|(?P<jwt>(?-i:eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*))",
    re.IGNORECASE,
)

#: a value that names a secret kept elsewhere — `$PGPASSWORD`, `${TOKEN}`, `$(cat f)` — is
#: no secret: a runbook's command says `password=$PGPASSWORD` and means it
#: … as does a placeholder for one: `--from-literal=oidc-client-secret=...`, `<password>`
_REFERENCE = re.compile(r"\$(?:\{[^}]*\}?|\(.*|[A-Za-z_][A-Za-z0-9_]*)|\.\.\.|…|<[\w .-]*>")


#: what a name that holds a credential may hold and still hold none
_NO_VALUE = frozenset(('""', "''", "null", "true", "false", "None", "True", "False"))


def _is_basic_credential(value: str) -> bool:
    """Basic credentials are base64 of `user:password`; "Basic smoke tests" is not."""
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _quoted(value: str) -> str:
    quote = value[:1]
    return f"{quote}{REDACTED}{quote}" if quote in ("'", '"') else REDACTED


def _redact(match: re.Match[str]) -> str:
    group = match.lastgroup
    if group in ("jwt", "akid"):
        return REDACTED
    value = match.group(group)
    if group == "basic_value" and not _is_basic_credential(value):
        return match.group()
    if value in _NO_VALUE or _REFERENCE.fullmatch(value.strip("\"'")):
        return match.group()
    if group == "curl_value" and value.isdigit() and match["curl_user"].isdigit():
        # docker's -u uid:gid
        return match.group()
    prefix = match.group(group.removesuffix("_value")) if group != "jvalue" else match["jkey"]
    if group in ("jvalue", "kv_value", "flag_value"):
        return prefix + _quoted(value)
    return prefix + REDACTED


def scrub(text: str) -> str:
    """`text` with every credential it carries replaced by `***`: the one scrubber, for
    the journal, the screen, the exports and the progress file alike."""
    lowered = text.casefold()  # as wide as the pattern's IGNORECASE ("ſecret", "K")
    for keyword in _KEYWORDS:
        if keyword in lowered:
            return _SECRETS.sub(_redact, text)
    return text


def contains_secret(text: str) -> bool:
    """Whether `text` carries a credential `scrub` would take out: what an invariant check
    asserts of every journal line, screen and file the cockpit writes."""
    return scrub(text) != text


# --- both ---------------------------------------------------------------------------------


def _plain(text: str) -> bool:
    """No control and nothing `scrub` could match: no space, colon, equals sign, JWT or
    AWS key id.

    Most strings — the names, labels and phases of 10,000 pods — stop here.
    """
    return (
        text.isprintable()
        and " " not in text
        and ":" not in text
        and "=" not in text
        and "eyJ" not in text
        and "AKIA" not in text
        and "ASIA" not in text
    )


def clean(text: str) -> str:
    """Outside text as the cockpit may show and keep it: visible, without credentials."""
    if _plain(text):
        return text
    return scrub(visible(text))


#: text of a model (runbook, layout) as it is shown: visible and without credentials,
#: whatever file it came from. What runs — a check's argv, URL, query — is no `Shown`: it
#: keeps its credential, and is scrubbed where it is shown (the item screen) and kept (the
#: journal). `password=$PGPASSWORD` names a secret, holds none, and stays.
Shown = Annotated[str, AfterValidator(clean)]


def clean_tree(value: Any, text: Callable[[str], str] = clean) -> Any:
    """`clean` (or `text`) on every string in JSON-like data (dict keys too). The same
    object comes back when nothing needed cleaning, so clean data costs no copies."""
    kind = type(value)
    if kind is str or isinstance(value, str):
        return _clean_str(value, text)
    if kind is dict or isinstance(value, dict):
        return _clean_dict(value, text)
    if kind is tuple or kind is list or isinstance(value, tuple | list):
        return _clean_sequence(value, text)
    return value


def scrub_tree(value: Any) -> Any:
    """`scrub` on every string: no credential, every character kept (the journal, whose
    encoder escapes what a terminal would act on, so a paste keeps its text exactly)."""
    return clean_tree(value, scrub)


def _clean_sequence(value: tuple | list, text: Callable[[str], str]) -> tuple | list:
    items = [clean_tree(v, text) for v in value]
    if all(a is b for a, b in zip(items, value, strict=True)):
        return value
    return type(value)(items)


#: strings seen to need no cleaning: keys, label values, phases, nodes and times repeat
#: across the pods of a list, and a set lookup is cheaper than looking at them again (what
#: `clean` leaves alone `scrub` leaves alone too)
_KNOWN_PLAIN: set[str] = set()
_KNOWN_MAX = 50_000


def _clean_str(value: str, text: Callable[[str], str] = clean) -> str:
    if value in _KNOWN_PLAIN:
        return value
    cleaned = text(value)
    if cleaned is value and text is clean:
        if len(_KNOWN_PLAIN) >= _KNOWN_MAX:
            _KNOWN_PLAIN.clear()
        _KNOWN_PLAIN.add(value)
    return cleaned


#: a key whose value is a credential whatever it looks like: `{"api-token": "abc"}` (a
#: label, a JSON body). Narrower than `_KEY`: a Helm release's `secret` is a name.
_SECRET_NAME = re.compile(
    r"[A-Za-z0-9_.-]*(?:password|passwd|token|api[_-]?key|secret[_.-]?(?:access[_.-]?)?key"
    r"|client[_.-]?secret)|pwd",
    re.IGNORECASE,
)


@functools.cache
def _names_secret(key: str) -> bool:
    return _SECRET_NAME.fullmatch(key) is not None


def _clean_dict(value: dict, text: Callable[[str], str] = clean) -> dict:
    out: dict | None = None
    for key, item in value.items():
        new_key = key if key in _KNOWN_PLAIN else clean_tree(key, text)
        kind = type(item)
        if kind is str and type(new_key) is str and _names_secret(new_key):
            keep = item in ("", REDACTED) or _REFERENCE.fullmatch(item)
            new_item = item if keep else REDACTED
        elif kind is str:
            new_item = item if item in _KNOWN_PLAIN else _clean_str(item, text)
        elif kind is bool or kind is int or kind is float or item is None:
            new_item = item
        else:
            new_item = clean_tree(item, text)
        if out is None and (new_key is not key or new_item is not item):
            out = {}
            for k, v in value.items():  # the part before this one, unchanged
                if k is key:
                    break
                out[k] = v
        if out is not None:
            out[new_key] = new_item
    return value if out is None else out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def one_line(text: str) -> str:
    """Outside text shown on one line: every run of whitespace (newlines too) one space."""
    return " ".join(text.split())


def clean_fields(obj: Any) -> None:
    """For a frozen dataclass's `__post_init__`: each field cleaned, once, at birth."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    for name in names:
        value = getattr(obj, name)
        cleaned = clean_tree(value)
        if cleaned is not value:
            object.__setattr__(obj, name, cleaned)


def aware_time(text: object) -> datetime | None:
    """A time from the cluster or a journal (untrusted text): None when it is not an
    RFC 3339 time with its offset (a naive one cannot be compared with the clock)."""
    try:
        moment = datetime.fromisoformat(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None
