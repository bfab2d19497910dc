"""The console's pure helpers: return paths, forms, shown text, headers, static names."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from escalations_intake.console.forms import MAX_FIELDS, FormError, field, parse_form
from escalations_intake.console.render import ENV, printable
from escalations_intake.console.security import CONTENT_SECURITY_POLICY, secured
from escalations_intake.console.site import static_file
from escalations_intake.identity.return_to import console_path


@pytest.mark.parametrize(
    "path",
    ["/console", "/console?team=ts-dublin&tier=P0", "/console/escalations/abc", "/console/"],
)
def test_a_console_path_is_a_place_to_return_to(path: str) -> None:
    """Local console paths, with their query, are accepted as they are."""
    assert path == console_path(path)


@pytest.mark.parametrize(
    "path",
    [
        None,
        "",
        "https://evil.example/console",
        "//evil.example/console",
        "/console//evil.example",
        "/\\evil.example",
        "/console\\@evil.example",
        "/consoles",
        "/v1/me",
        "/console/../v1/me",
        "/console/./x",
        "/console\r\nSet-Cookie: x=1",
        "/console x",
        "javascript:alert(1)",
        "/console?" + "a" * 600,
    ],
)
def test_anything_else_is_not(path: str | None) -> None:
    """Other hosts, schemes, traversal, white space, control characters: refused (None)."""
    assert console_path(path) is None


def test_a_fragment_is_dropped() -> None:
    """A fragment is the browser's, not the server's."""
    assert "/console?q=1" == console_path("/console?q=1#top")


def test_a_form_is_read_field_by_field() -> None:
    """URL-encoded fields, blanks kept; a field twice or a NUL is an error naming it."""
    assert {"a": "1 2", "b": "", "c": "é"} == parse_form(b"a=1+2&b=&c=%C3%A9")
    assert {} == parse_form(b"")
    with pytest.raises(FormError, match=r"^a: given more than once"):
        parse_form(b"a=1&a=2")
    with pytest.raises(FormError, match=r"^note: contains NUL"):
        parse_form(b"note=x%00y")
    with pytest.raises(FormError, match=r"^form: not a readable form"):
        parse_form(b"\xff\xfe")
    with pytest.raises(FormError, match=r"^form: not a readable form"):
        parse_form("&".join(f"f{n}=1" for n in range(MAX_FIELDS + 1)).encode())


def test_a_field_is_bounded() -> None:
    """A field over its length is an error naming it; an absent one is the default."""
    assert "/console" == field({}, "back", 10, "/console")
    with pytest.raises(FormError, match=r"^back: longer than 3 characters"):
        field({"back": "abcd"}, "back", 3)


def test_control_characters_are_shown_as_replacement_marks() -> None:
    """A title's control characters cannot reach the page as such; other text stays."""
    assert "a\ufffdb\ufffdc\tд" == printable("a\x00b\x9bc\tд")


def test_templates_escape_every_value() -> None:
    """Autoescape is on: markup in a value is text on the page."""
    html = ENV.from_string("<p>{{ v }}</p>").render(v='<script>x</script>"')
    assert "<p>&lt;script&gt;x&lt;/script&gt;&#34;</p>" == html


def test_every_console_response_gets_the_security_headers() -> None:
    """CSP without unsafe-inline, nosniff, same-origin referrer, and the cache rule."""
    response = secured(Response("x"))
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert CONTENT_SECURITY_POLICY == response.headers["content-security-policy"]
    assert ("nosniff", "same-origin", "no-store") == (
        response.headers["x-content-type-options"],
        response.headers["referrer-policy"],
        response.headers["cache-control"],
    )


def test_only_our_static_files_are_served() -> None:
    """The stylesheet and scripts are found; paths and other names are not."""
    assert static_file("console.css") is not None
    assert static_file("queue.js") is not None
    for name in ("../render.py", "console.css/..", "render.py", "missing.js", ".css"):
        assert static_file(name) is None
