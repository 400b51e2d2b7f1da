"""Settings resolution: every bad value is one ``ConfigError`` sentence naming the
setting and its source, near misses are suggested, and secrets never show."""

from __future__ import annotations

import pytest

from errcontract._config.options import collect
from errcontract._config.resolve import resolve as _resolve_options
from errcontract.exceptions import ConfigError

SECRET = "sk-7Q2vX9pL4mN8rT1wZ6yB"
COMPANY = "2b1f0c7e-5d3a-4e8b-9f61-0a2c4e6d8b10"
URL = "https://api.cardda.example"


_RENAMED = {
    "fixtures": "fixture",
    "faults": "fault",
    "tolerances": "tolerance",
    "paths": "path",
    "hypothesis_profile": "depth",
}


def _flags(**flags) -> dict:
    """Flags as the CLI parser hands them over (``collect`` adds env and defaults)."""
    return {_RENAMED.get(k, k): v for k, v in flags.items()}


def resolve(flags: dict, env: dict[str, str] | None = None):
    """Collect, then resolve, with one environment for both (as a front door does)."""
    env = {} if env is None else env
    return _resolve_options(collect(flags, env=env), env)


def _cardda(**kwargs) -> dict:
    kwargs.setdefault("api", "cardda")
    return _flags(**kwargs)


def _full_fixtures(api_key: str = SECRET) -> list[str]:
    return [f"api_key={api_key}", f"company_id={COMPANY}"]


def _error(options: dict, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        resolve(options, env or {})
    message = str(info.value)
    assert SECRET not in message
    return message


def _target(settings):
    (target,) = settings.targets
    return target


# -- the API ---------------------------------------------------------------------------


def test_a_near_miss_api_name_is_suggested():
    message = _error(_flags(api="carda"))
    assert "unknown api 'carda'" in message
    assert "did you mean 'cardda'?" in message
    assert "--api" in message


def test_an_api_from_the_environment_is_checked_too():
    message = _error(_flags(), {"CONFORMANCE_API": "cardclam"})
    assert "did you mean 'cardclan'?" in message
    assert "CONFORMANCE_API" in message


def test_no_api_at_all_lists_the_choices():
    message = _error(_flags())
    assert "cardda" in message
    assert "cardclan" in message


def test_all_apis_resolve_to_embedded_targets():
    settings = resolve(_flags(api="all"), {})
    assert {t.profile.api for t in settings.targets} == {"cardda", "cardclan"}
    assert all(t.embedded for t in settings.targets)


# -- the base URL ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("api.cardda.com", "absolute http(s) URL with a host"),
        ("/v1", "absolute http(s) URL with a host"),
        ("https://", "absolute http(s) URL with a host"),
        ("ftp://api.cardda.com", "absolute http(s) URL with a host"),
        ("https://api.cardda.com/?v=1", "query or fragment"),
        ("https://api.cardda.com/#top", "query or fragment"),
        ("https://user:pass@api.cardda.com", "credentials"),
    ],
)
def test_a_bad_base_url_names_the_flag(url, says):
    message = _error(_cardda(base_url=url, fixtures=_full_fixtures()))
    assert says in message
    assert "--base-url" in message


def test_base_url_credentials_are_not_echoed():
    message = _error(_cardda(base_url=f"https://me:{SECRET}@api.cardda.com"))
    assert "credentials" in message


def test_a_secret_in_a_base_url_query_is_not_echoed():
    """The error says the URL must not carry a query; it need not show the query."""
    env = {"CONFORMANCE_API_KEY": SECRET, "CONFORMANCE_COMPANY_ID": COMPANY}
    message = _error(_cardda(base_url=f"{URL}/?api_key={SECRET}"), env)
    assert "query" in message


def test_a_bad_base_url_from_the_environment_names_the_variable():
    message = _error(_cardda(), {"CONFORMANCE_BASE_URL": "ftp://api.cardda.com"})
    assert "environment variable CONFORMANCE_BASE_URL" in message
    assert "--base-url" not in message


def test_the_base_url_flag_wins_over_the_environment_and_loses_its_slash():
    env = {"CONFORMANCE_BASE_URL": "ftp://ignored.example"}
    settings = resolve(_cardda(base_url=URL + "/", fixtures=_full_fixtures()), env)
    assert _target(settings).base_url == URL


def test_all_apis_cannot_share_one_base_url():
    message = _error(_flags(api="all", base_url=URL))
    assert "--api all" in message


def test_all_apis_cannot_take_a_base_url_from_the_environment():
    message = _error(_flags(api="all"), {"CONFORMANCE_BASE_URL": URL})
    assert "CONFORMANCE_BASE_URL" in message


@pytest.mark.parametrize(
    "switches", [{"faults": ["CD-AUTH-1"]}, {"tolerances": ["lowercase-bearer"]}]
)
def test_reference_server_switches_cannot_target_a_deployment(switches):
    message = _error(_cardda(base_url=URL, fixtures=_full_fixtures(), **switches))
    assert "--fault" in message
    assert "--base-url" in message


# -- fixtures --------------------------------------------------------------------------


def test_a_fixture_flag_without_equals_is_an_error():
    message = _error(_cardda(fixtures=["company_id"]))
    assert "NAME=VALUE" in message
    assert "--fixture" in message


def test_a_fixture_flag_without_equals_does_not_echo_a_secret():
    """Forgetting ``api_key=`` leaves the bare key in the flag: not to be shown."""
    message = _error(_cardda(fixtures=[SECRET]))
    assert "NAME=VALUE" in message


def test_an_unknown_fixture_name_suggests_the_near_miss():
    message = _error(_cardda(fixtures=[f"api_kee={SECRET}"]))
    assert "unknown fixture 'api_kee'" in message
    assert "did you mean 'api_key'?" in message
    assert "company_id" in message


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_fixture_flag_is_an_error(value):
    message = _error(_cardda(fixtures=[f"company_id={value}"]))
    assert "fixture company_id is empty" in message
    assert "--fixture" in message


def test_an_empty_fixture_from_the_environment_names_the_variable():
    message = _error(_cardda(), {"CONFORMANCE_CARDDA_COMPANY_ID": " "})
    assert "CONFORMANCE_CARDDA_COMPANY_ID" in message


@pytest.mark.parametrize(
    ("given", "missing"),
    [([f"company_id={COMPANY}"], "api_key"), ([f"api_key={SECRET}"], "company_id")],
)
def test_a_required_fixture_is_needed_against_a_deployment(given, missing):
    message = _error(_cardda(base_url=URL, fixtures=given))
    assert f"fixture {missing} is required for cardda" in message
    assert f"--fixture {missing}=" in message
    assert f"CONFORMANCE_{missing.upper()}" in message


def test_required_fixtures_are_not_needed_for_the_embedded_server():
    assert _target(resolve(_cardda(), {})).embedded


def test_the_api_specific_variable_wins_over_the_shared_one():
    env = {
        "CONFORMANCE_CARDDA_API_KEY": SECRET,
        "CONFORMANCE_API_KEY": "shared-key",
        "CONFORMANCE_COMPANY_ID": COMPANY,
    }
    target = _target(resolve(_cardda(base_url=URL), env))
    assert target.fixtures["api_key"] == SECRET
    assert target.env_names["api_key"] == "CONFORMANCE_CARDDA_API_KEY"
    assert target.fixtures["company_id"] == COMPANY


def test_the_shared_variable_is_used_when_alone():
    env = {"CONFORMANCE_API_KEY": SECRET, "CONFORMANCE_COMPANY_ID": COMPANY}
    target = _target(resolve(_cardda(base_url=URL), env))
    assert target.fixtures["api_key"] == SECRET
    assert target.env_names["api_key"] == "CONFORMANCE_API_KEY"


def test_a_fixture_flag_wins_over_the_environment():
    env = {"CONFORMANCE_CARDDA_API_KEY": "env-key", "CONFORMANCE_COMPANY_ID": COMPANY}
    target = _target(
        resolve(_cardda(base_url=URL, fixtures=[f"api_key={SECRET}"]), env)
    )
    assert target.fixtures["api_key"] == SECRET


def test_a_fixture_flag_for_another_api_is_ignored():
    settings = resolve(
        _cardda(fixtures=[*_full_fixtures(), "cardclan.card_id=abc"]), {}
    )
    assert "card_id" not in _target(settings).fixtures


def test_only_secret_fixtures_are_handed_out_as_secrets():
    target = _target(resolve(_cardda(base_url=URL, fixtures=_full_fixtures()), {}))
    assert target.secrets() == {"api_key": SECRET}


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "flag"),
    [
        ("rate_limit", "--rate-limit"),
        ("timeout", "--timeout"),
        ("examples", "--examples"),
        ("clock_skew", "--clock-skew"),
        ("max_requests", "--max-requests"),
        ("seed", "--seed"),
    ],
)
@pytest.mark.parametrize("raw", ["fast", "1,5", "ten"])
def test_a_non_numeric_number_names_its_flag(field, flag, raw):
    message = _error(_cardda(**{field: raw}))
    assert f"{flag[2:]} must be a number" in message
    assert f"(from {flag})" in message
    assert repr(raw) in message


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("timeout", "0"),
        ("timeout", "-1"),
        ("timeout", "inf"),
        ("timeout", "nan"),
        ("rate_limit", "0"),
        ("examples", "2.5"),
        ("max_requests", "0"),
    ],
)
def test_an_out_of_range_number_is_an_error(field, raw):
    message = _error(_cardda(**{field: raw}))
    assert f"--{field.replace('_', '-')}" in message


@pytest.mark.parametrize("raw", ["none", "None", "off"])
def test_rate_limit_none_turns_pacing_off(raw):
    settings = resolve(_cardda(rate_limit=raw), {})
    assert settings.rate_limit is None
    assert settings.rate_limit_given


def test_numbers_are_parsed():
    settings = resolve(
        _cardda(rate_limit="5", timeout="2.5", examples="30", clock_skew="60"), {}
    )
    assert settings.rate_limit == 5.0
    assert settings.timeout_s == 2.5
    assert settings.examples == 30
    assert settings.clock_skew_s == 60.0


def test_unset_numbers_take_their_defaults():
    settings = resolve(_cardda(), {})
    assert settings.rate_limit is None
    assert not settings.rate_limit_given
    assert settings.clock_skew_s == 300.0
    assert settings.timeout_s == 10.0


def test_an_unknown_depth_is_an_error_with_the_near_miss():
    message = _error(_cardda(hypothesis_profile="thorogh"))
    assert "depth must be 'ci' or 'thorough'" in message
    assert "did you mean 'thorough'?" in message
    assert "(from --depth)" in message


def test_the_former_profile_names_still_set_the_depth(tmp_path):
    """``--profile`` and ``CONFORMANCE_PROFILE`` were the depth's names: kept."""
    from errcontract.cli import _parser

    parsed = _parser().parse_args(["run", "--api", "cardda", "--profile", "thorough"])
    assert parsed.depth == "thorough"
    settings = resolve(_flags(api="cardda"), env={"CONFORMANCE_PROFILE": "thorough"})
    assert settings.depth == "thorough"


# -- precedence and sources: flag > environment > ini > default ------------------------


def test_a_flag_wins_over_the_environment_for_every_setting():
    """``CONFORMANCE_API=nope conformance run --api cardda`` is a valid run."""
    env = {"CONFORMANCE_API": "nope", "CONFORMANCE_TIMEOUT": "soon"}
    settings = resolve(_cardda(timeout="3"), env)
    assert [t.profile.api for t in settings.targets] == ["cardda"]
    assert settings.timeout_s == 3.0


def test_the_environment_wins_over_the_ini_file():
    ini = {"timeout": ("7", "conformance_timeout in pytest.ini")}
    options = collect(_cardda(), env={"CONFORMANCE_TIMEOUT": "4"}, ini=ini)
    assert options.source("timeout") == "environment variable CONFORMANCE_TIMEOUT"
    assert _resolve_options(options, {}).timeout_s == 4.0


def test_an_ini_value_is_used_when_nothing_else_is_given():
    ini = {"timeout": ("7", "conformance_timeout in pytest.ini")}
    options = collect(_cardda(), env={}, ini=ini)
    assert _resolve_options(options, {}).timeout_s == 7.0


def test_the_default_is_used_last_and_said_to_be_the_default():
    options = collect(_cardda(), env={})
    assert options.source("timeout") == "the default"
    assert not options.given("timeout")
    assert _resolve_options(options, {}).timeout_s == 10.0


@pytest.mark.parametrize(
    ("flags", "env", "ini", "says"),
    [
        (
            {},
            {"CONFORMANCE_TIMEOUT": "soon"},
            {},
            "environment variable CONFORMANCE_TIMEOUT",
        ),
        (
            {},
            {},
            {"timeout": ("soon", "conformance_timeout in tox.ini")},
            "conformance_timeout in tox.ini",
        ),
        ({"timeout": "soon"}, {}, {}, "--timeout"),
    ],
    ids=["environment", "ini", "flag"],
)
def test_a_bad_value_names_its_true_source(flags, env, ini, says):
    options = collect({**_cardda(), **flags}, env=env, ini=ini)
    with pytest.raises(ConfigError) as info:
        _resolve_options(options, {})
    assert f"timeout must be a number, got 'soon' (from {says})" in str(info.value)


def test_a_flag_name_is_spelt_as_the_front_door_spells_it():
    options = collect(
        _cardda(timeout="soon"), env={}, flag_names={"timeout": "--conformance-timeout"}
    )
    with pytest.raises(ConfigError, match=r"\(from --conformance-timeout\)"):
        _resolve_options(options, {})


@pytest.mark.parametrize("raw", ["1", "true", "YES", "on"])
def test_a_yes_no_setting_reads_from_the_environment(raw):
    settings = resolve(_cardda(), {"CONFORMANCE_READ_ONLY": raw})
    assert settings.read_only


def test_a_bad_yes_no_value_names_the_variable():
    message = _error(_cardda(), {"CONFORMANCE_READ_ONLY": "maybe"})
    assert "CONFORMANCE_READ_ONLY must be true or false, got 'maybe'" in message
    assert "(from environment variable CONFORMANCE_READ_ONLY)" in message


def test_a_bad_fail_on_names_its_source():
    message = _error(_cardda(), {"CONFORMANCE_FAIL_ON": "docs"})
    assert "fail-on takes documented, reading or all" in message
    assert "environment variable CONFORMANCE_FAIL_ON" in message


@pytest.mark.parametrize(
    ("pair", "says"),
    [("listCompanies", "OPERATION=/path"), ("listCompanys=/x", "did you mean")],
)
def test_a_bad_path_option_is_an_error(pair, says):
    message = _error(_cardda(paths=[pair]))
    assert says in message
    assert "(from --path)" in message


# -- secrets never in errors -----------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        _cardda(base_url="ftp://x", fixtures=_full_fixtures()),
        _cardda(base_url=URL, fixtures=[f"api_key={SECRET}"]),
        _cardda(fixtures=[f"api_key={SECRET}", "company_id="]),
        _cardda(fixtures=[f"api_key={SECRET}", "compnay_id=1"]),
        _cardda(fixtures=_full_fixtures(), timeout="soon"),
        _cardda(base_url=URL, fixtures=_full_fixtures(), faults=["CD-AUTH-1"]),
        _flags(api="carda", fixtures=_full_fixtures()),
        _flags(api="all", base_url=URL, fixtures=_full_fixtures()),
    ],
    ids=[
        "bad-url",
        "missing-company",
        "empty-fixture",
        "unknown-fixture",
        "bad-number",
        "fault-with-url",
        "unknown-api",
        "all-with-url",
    ],
)
@pytest.mark.parametrize("via", ["flag", "environment"])
def test_no_config_error_shows_the_secret(options, via):
    env: dict[str, str] = {}
    if via == "environment":
        env = {"CONFORMANCE_CARDDA_API_KEY": SECRET}
        fixtures = [f for f in options["fixture"] if not f.startswith("api_key=")]
        options = {**options, "fixture": fixtures}
    _error(options, env)


def test_a_fixture_named_like_a_setting_is_a_profile_error(monkeypatch):
    """A fixture ``timeout`` would be read from CONFORMANCE_TIMEOUT, the setting's."""
    import copy

    from errcontract._config import resolve as resolve_module
    from errcontract._contract.profile import Fixture, load_profile

    real = load_profile("cardda")
    clash = copy.copy(real)
    clash.fixtures = (*real.fixtures, Fixture(name="timeout"))
    monkeypatch.setattr(resolve_module, "load_profile", lambda name, dirs=(): clash)
    message = _error(_cardda())
    assert "fixture 'timeout'" in message
    assert "CONFORMANCE_TIMEOUT is the setting --timeout's" in message
    assert "profile.yaml" in message
