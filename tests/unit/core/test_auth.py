"""The token file: one token a line, optionally named for the caller's identity."""

from __future__ import annotations

from bridge.core.auth import KnownToken, TokenFile, check_caller, parse_tokens


def test_a_line_names_its_token_after_a_comma_as_kubernetes_token_files_do():
    text = 'plain-token\nalice-token,alice\n  bob-token , bob , 1001, "ops,dev"  # CI\nnameless-token, # x\n'
    assert parse_tokens(text) == (
        KnownToken(b"plain-token"),
        KnownToken(b"alice-token", "alice"),
        KnownToken(b"bob-token", "bob"),
        KnownToken(b"nameless-token"),
    )


def test_the_old_format_reads_as_before():
    assert parse_tokens("# operators\nalpha-token\n\n  beta-token   # CI\ntok#withhash\n") == (
        KnownToken(b"alpha-token"),
        KnownToken(b"beta-token"),
        KnownToken(b"tok#withhash"),
    )


def test_a_known_token_never_shows_its_secret():
    assert "s3cret" not in repr(parse_tokens("s3cret,alice")) + str(parse_tokens("s3cret"))


def test_the_identity_is_the_name_of_the_presented_token_in_token_mode_only(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("alice-token,alice\nplain-token\n")
    tokens = TokenFile(str(path))
    assert check_caller("token", "Bearer alice-token", tokens) == "alice"
    assert check_caller("token", "Bearer plain-token", tokens) is None
    assert check_caller("passthrough", "Bearer alice-token", tokens) is None
    assert check_caller("none", "Bearer alice-token", tokens) is None
    assert tokens.names() == {"alice"}  # as of the last read
