"""The tests' leak scanner (tests/leaks.py) finds every form it claims to, and its
reports never show the secret they found."""

from __future__ import annotations

import ast
from pathlib import Path

import leaks
import pytest

SECRETS = [
    "s3cr3T+Key/Zz9==",
    # Quotes, an ampersand, angle brackets, a backslash, a space, non-ASCII: every
    # escaping scheme changes something.
    "p&ss \"w<o>rd' \\ é-ü/%+~",
    "  padded-Secret/+=  ",
]


@pytest.mark.parametrize("secret", SECRETS, ids=["query-key", "escapes", "padded"])
def test_every_form_is_found_and_never_shown(secret: str) -> None:
    forms = leaks.encodings(secret)
    assert len(forms) >= 20
    for name, form in forms.items():
        text = f"before the hit: {form} and after it\nline two"
        hits = leaks.find(text, [secret], where="stdout")
        assert hits, f"{name} ({form!r}) was not found"
        assert any(name in hit for hit in hits), (name, hits)
        for hit in hits:
            assert form not in hit, f"the hit shows the {name} form: {hit}"
            assert secret.strip() not in hit
            assert hit.startswith("stdout: line 1, ")


def test_the_claimed_forms_are_there() -> None:
    forms = leaks.encodings("s3cr3T+Key/Zz9==")
    expected = {
        "raw": "s3cr3T+Key/Zz9==",
        "base64": "czNjcjNUK0tleS9aejk9PQ==",
        "base64 unpadded": "czNjcjNUK0tleS9aejk9PQ",
        "quote": "s3cr3T%2BKey/Zz9%3D%3D",
        "quote(safe='')": "s3cr3T%2BKey%2FZz9%3D%3D",
        "quote_plus": "s3cr3T%2BKey%2FZz9%3D%3D",
        "quote(safe=''), lower-case hex": "s3cr3T%2bKey%2fZz9%3d%3d",
        "double quote(safe='')": "s3cr3T%252BKey%252FZz9%253D%253D",
        "json, slash escaped": "s3cr3T+Key\\/Zz9==",
    }
    for name, form in expected.items():
        assert forms[name] == form, name
    escapes = leaks.encodings("a&b<c>\"d'é\\")
    assert escapes["html"] == "a&amp;b&lt;c&gt;&quot;d&#x27;é\\"
    assert escapes["xml"] == "a&amp;b&lt;c&gt;&quot;d&apos;é\\"
    assert escapes["html, numeric quotes (Jinja)"] == "a&amp;b&lt;c&gt;&#34;d&#39;é\\"
    assert escapes["json"] == "a&b<c>\\\"d'\\u00e9\\\\"
    assert escapes["unicode_escape"] == "a&b<c>\"d'\\xe9\\\\"
    assert escapes["python repr"] == "a&b<c>\"d\\'é\\\\"
    assert leaks.encodings(" x-y ")["stripped raw"] == "x-y"


def test_percent_escapes_match_in_any_case() -> None:
    mixed = "s3cr3T%2bKey%2FZz9%3d%3D"
    assert leaks.find(f"url?k={mixed}", ["s3cr3T+Key/Zz9=="])


def test_clean_text_and_blank_secrets_give_nothing() -> None:
    assert leaks.find("nothing to see, s3cr3T+Key/Zz9= is shorter", []) == []
    assert leaks.find("s3cr3T+Key/Zz9=", ["s3cr3T+Key/Zz9=="]) == []
    assert leaks.find("anything", ["", "   "]) == []


def test_the_context_masks_a_neighbouring_secret_cut_by_the_window() -> None:
    secret = "s3cr3T+Key/Zz9=="
    # The second occurrence starts just inside the context window and ends past it.
    text = "x" * 50 + secret + "y" * (leaks.CONTEXT - 5) + secret + "z" * 50
    hits = leaks.find(text, [secret])
    assert len(hits) == 2
    for hit in hits:
        assert "s3cr3" not in hit, hit
        assert "Zz9" not in hit, hit


def test_several_secrets_are_named_apart() -> None:
    hits = leaks.find("one: alpha-Secret-1, two: QkVUQS1TRUNSRVQtMg", [
        "alpha-Secret-1", "BETA-SECRET-2"
    ])  # fmt: skip
    assert len(hits) == 2
    assert any(h.startswith("line 1, secret 1 raw") for h in hits), hits
    assert any("secret 2 base64 unpadded" in h for h in hits), hits


def test_hits_are_capped() -> None:
    hits = leaks.find("k=s3cr3T+Key/Zz9== " * 100, ["s3cr3T+Key/Zz9=="])
    assert len(hits) == leaks.MAX_HITS + 1
    assert hits[-1].startswith("…")


def test_scan_run_reads_stdout_stderr_and_every_file(tmp_path: Path) -> None:
    secret = "s3cr3T+Key/Zz9=="
    (tmp_path / "nested").mkdir()
    (tmp_path / "results.json").write_text('{"k": "s3cr3T+Key\\/Zz9=="}')
    (tmp_path / "nested" / "report.html").write_text("<p>s3cr3T%2BKey/Zz9%3D%3D</p>")
    (tmp_path / "junit.xml").write_bytes(b"\xff\xfe not utf-8, clean")
    hits = leaks.scan_run("czNjcjNUK0tleS9aejk9PQ==", "clean", tmp_path, [secret])
    places = sorted(hit.partition(":")[0] for hit in hits)
    assert places == ["nested/report.html", "results.json", "stdout"], hits
    in_files = leaks.scan_dir(tmp_path, [secret])
    assert sorted(h.partition(":")[0] for h in in_files) == places[:2], in_files
    assert leaks.scan_run("", "", tmp_path / "absent", [secret]) == []


def test_the_scanner_is_independent_of_the_product() -> None:
    """It must be able to catch the product's redactor missing a form."""
    tree = ast.parse(Path(leaks.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not imported & {"conformance", "reports", "strategies"}, imported


def test_mask_hides_every_form() -> None:
    secret = "s3cr3T+Key/Zz9=="
    text = "a s3cr3T%2bKey%2FZz9%3D%3D b czNjcjNUK0tleS9aejk9PQ c s3cr3T+Key\\/Zz9=="
    masked = leaks.mask(text, [secret])
    assert masked == "a *** b *** c ***"
    assert leaks.mask(text, []) == text
