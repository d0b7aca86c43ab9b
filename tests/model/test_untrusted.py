"""Outside text made safe: escapes shown, never obeyed; credentials never kept."""

import base64
import json
import string
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cockpit.model.untrusted import clean, clean_tree, contains_secret, scrub, visible

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def unsafe(text: str) -> list[str]:
    """Characters a terminal would act on (newline and tab are layout, not commands)."""
    return [
        c
        for c in text
        if (ord(c) < 0x20 and c not in "\n\t")
        or 0x7F <= ord(c) <= 0x9F
        or ord(c) in BIDI
        or unicodedata.category(c) in ("Zl", "Zp", "Cs")
    ]


# --- visible ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned\x07CrashLoopBackOff", "␛]0;pwned␇CrashLoopBackOff"),
        ("\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇"),
        ("\x1b[2J\x1b[H", "␛[2J␛[H"),
        ("a\x9b2Jb", "a<U+009B>2Jb"),
        ("\x00\x08\x7f", "␀␈␡"),
        ("admin\u202egnp.exe", "admin<U+202E>gnp.exe"),
        ("\u2066x\u2069\u200f", "<U+2066>x<U+2069><U+200F>"),
        ("one\r\ntwo\rthree", "one\ntwo␍three"),
        ("kept\tas\nlayout", "kept\tas\nlayout"),
        ("\ud800 lone surrogate", "<U+D800> lone surrogate"),
    ],
)
def test_controls_are_shown_as_pictures(raw, shown):
    assert visible(raw) == shown


def test_printable_text_is_the_same_object():
    text = "valeo-erp-blue-7d9f8c6b5-x2x9q Ünïcødé ✅ 你好"
    assert visible(text) is text and clean(text) is text


@FAST
@given(st.text(alphabet=st.characters(codec=None)))
def test_visible_leaves_nothing_a_terminal_acts_on_and_is_idempotent(text):
    shown = visible(text)
    assert unsafe(shown) == []
    assert visible(shown) == shown


# --- scrub ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "scrubbed"),
    [
        (
            'header "Authorization: Bearer abc.def.ghi" rejected',
            'header "Authorization: Bearer ***" rejected',
        ),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
        ('{"Authorization": "token ghp_12345"}', '{"Authorization": "token ***"}'),
        ("sent bearer abcdefgh12345678 upstream", "sent bearer *** upstream"),
        ("proxy said Basic YWxhZGRpbjpvcGVuc2VzYW1l", "proxy said Basic ***"),
        ("host=db user=app password=s3cr3t dbname=erp", "host=db user=app password=*** dbname=erp"),
        (r"host=db password='se cr\'et' dbname=erp", "host=db password='***' dbname=erp"),
        ("PGPASSWORD=abc pg_dump", "PGPASSWORD=*** pg_dump"),
        ("GET /api?user=x&password=hunter2&x=1", "GET /api?user=x&password=***&x=1"),
        ("/oauth?access_token=xyz#frag", "/oauth?access_token=***#frag"),
        ('{"user": "a", "password": "hunter2"}', '{"user": "a", "password": "***"}'),
        ("{'db_password': 'x', 'n': 1}", "{'db_password': '***', 'n': 1}"),
        ('{"password": 12345}', '{"password": ***}'),
        ("postgresql://app:s3cret@db:5432/erp", "postgresql://app:***@db:5432/erp"),
        ("https://u:p@ss@host/x", "https://u:***@host/x"),
        (
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dozjgNryP4J3jVmNHl0w5N_Xg end",
            "token *** end",
        ),
        ("curl -u admin:hunter2 https://erp/x", "curl -u admin:*** https://erp/x"),
        ("curl --user 'admin:hunter 2' x", "curl --user 'admin:***' x"),
        ("curl -uadmin:hunter2 x", "curl -uadmin:*** x"),
        ("curl -s --proxy-user=p:hunter2 x", "curl -s --proxy-user=p:*** x"),
        ("psql postgres://admin:s3cret@db/erp", "psql postgres://admin:***@db/erp"),
        ("\x1b[31mpostgres://admin:s3cret@db/erp", "\x1b[31mpostgres://admin:***@db/erp"),
        ("kubectl --token abcdef123 get pods", "kubectl --token *** get pods"),
        ("kubectl --token=abcdef123 get pods", "kubectl --token=*** get pods"),
        ("aws_access_key_id=AKIAIOSFODNN7EXAMPLE", "aws_access_key_id=***"),
        ("key-id: ASIAY34FZKBOKMUTVV7A", "key-id: ***"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None),
        ("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None),
        ("password: hunter2", "password: ***"),
        ('headers: {"X-Api-Key": "k-123456"}', 'headers: {"X-Api-Key": "***"}'),
        # a JSON body stays JSON: the escaping backslash is not part of the secret
        (r'{"message":"\"Authorization: Bearer abc.def.ghi\" refused"}', None),
    ],
)
def test_credentials_are_redacted(raw, scrubbed):
    assert contains_secret(raw)
    assert not contains_secret(scrub(raw))
    if "wJalrXUtnFEMI" in raw:
        assert "wJalrXUtnFEMI" not in scrub(raw)
        assert scrub(raw).endswith("***")
    elif scrubbed is None:
        message = json.loads(scrub(raw))["message"]
        assert message == '"Authorization: Bearer ***" refused'
    else:
        assert scrub(raw) == scrubbed


@pytest.mark.parametrize(
    "prose",
    [
        "Basic smoke tests pass; Basic authentication is off",
        "the bearer of bad news",
        "pass=5 fail=0",
        "2026-11-21T08:00:00Z",
        'password authentication failed for user "app"',
        "ssh://git@github.com/org/repo",
        'kubectl patch service valeo-erp -p \'{"spec":{"selector":{"version":"green"}}}\'',
        # a reference to a secret is not one: the runbook's command means it
        "psql host=db password=$PGPASSWORD",
        'curl -H "Authorization: Bearer ${TOKEN}" -u admin:$ADMIN_PW https://erp',
        "kubectl --token $(cat /run/token) get pods",
        "kubectl create secret generic s --from-literal=oidc-client-secret=... -n prod",
        "psql -U app password=<password>",
        "docker run -u 1000:1000 erp",
        "sort -u",
        "AKIA is how an access key id starts",
        '{"password": "", "token": null, "secret": false}',
    ],
)
def test_ordinary_text_is_left_alone(prose):
    assert clean(prose) == prose
    assert not contains_secret(prose)


SECRET = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=8, max_size=40)


def _b64url(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


FORMS = [
    lambda s: f"Authorization: Bearer {s}",
    lambda s: f"authorization={s}",
    lambda s: f"Bearer {s}",
    lambda s: f"Basic {base64.b64encode(f'user:{s}'.encode()).decode()}",
    lambda s: f"password={s}",
    lambda s: f"PASSWORD = '{s} and more'",
    lambda s: f"?user=a&password={s}&b=1",
    lambda s: f'"password": "{s}"',
    lambda s: f"{{'client_secret': '{s}'}}",
    lambda s: f"postgresql://app:{s}@db/erp",
    lambda s: f"eyJ{_b64url({'alg': 'HS256'})[3:]}.{_b64url({'sub': s})}.{s}",
    lambda s: f"curl -u admin:{s}",
    lambda s: f"--user admin:{s}",
    lambda s: f"token={s}",
    lambda s: f"--password {s}",
    lambda s: f"aws_secret_access_key={s}",
    lambda s: f"postgres://admin:{s}@db:5432/erp",
]


def _revealed(form: int, secret: str) -> str:
    """What must not be seen: the secret, or the base64 that carries it."""
    if form == 3:
        return base64.b64encode(f"user:{secret}".encode()).decode()
    if form == 10:
        return _b64url({"sub": secret})
    return secret


@FAST
@given(
    st.text(),
    st.integers(0, len(FORMS) - 1),
    SECRET,
    st.text(),
    st.sampled_from([" ", "\n", "\t", " (", ": "]),
)
def test_a_secret_in_any_text_never_survives(before, form, secret, after, gap):
    revealed = _revealed(form, secret)
    assume(revealed not in before and revealed not in after)
    text = f"{before}{gap}{FORMS[form](secret)} {after}"
    assert revealed not in clean(text)
    assert revealed not in clean(f"\x1b]0;{text}\x07")
    assert contains_secret(text)
    assert not contains_secret(clean(text))


@FAST
@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=16, max_size=16))
def test_an_aws_access_key_id_never_survives(tail):
    key = f"AKIA{tail}"
    assert key not in clean(f"labels: {{'aws-key': '{key}'}}")
    assert key not in clean(f"team={key}")
    assert contains_secret(f"x {key}") and not contains_secret(scrub(f"x {key}"))


NOISE = st.one_of(
    st.text(alphabet=st.characters(codec=None), max_size=8),
    st.sampled_from(
        [
            "Authorization",
            ": ",
            "=",
            "Bearer ",
            "Basic ",
            "password",
            '"',
            "'",
            "\\",
            "://",
            "@",
            "eyJ",
            ".",
            "\x1b",
            "\r",
            "\n",
            "\x9b",
            "dXNlcjpwYXNz",
            "***",
        ]
    ),
)


@FAST
@given(st.lists(NOISE, max_size=20).map("".join))
def test_clean_is_idempotent_and_leaves_no_control(text):
    once = clean(text)
    assert clean(once) == once
    assert scrub(scrub(text)) == scrub(text)
    assert not contains_secret(once)
    assert unsafe(once) == []


def test_clean_tree_cleans_nested_data_and_copies_only_what_changed():
    labels = {"app": "valeo-erp"}
    pod = {"name": "p", "labels": labels, "reason": "\x1b[2J", "restarts": 3}
    data = ({"a": 1}, pod, ["password=hunter22"])
    cleaned = clean_tree(data)
    assert cleaned == ({"a": 1}, {**pod, "reason": "␛[2J"}, ["password=***"])
    assert cleaned[0] is data[0] and cleaned[1]["labels"] is labels
    assert clean_tree({"k\x1b": "v"}) == {"k␛": "v"}
    same = {"name": "p", "labels": labels}
    assert clean_tree(same) is same


def test_a_value_under_a_secrets_name_is_redacted_whatever_it_looks_like():
    labels = {"api-token": "abc", "DB_PASSWORD": "x y", "app": "erp", "secret": "helm-v3"}
    assert clean_tree(labels) == {**labels, "api-token": "***", "DB_PASSWORD": "***"}
    kept = {"password": "$PGPASSWORD", "token": ""}
    assert clean_tree(kept) is kept
