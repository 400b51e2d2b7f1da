"""Lint = run: every refusal a probe family can raise when the run calls it
(``BadArgument``, and ``NothingInDocument``: nothing to send whatever the target) is
reported by ``check-profile`` first, exit 2, one line naming the file and the clause.

The table ``CASES`` holds, for every ``raise`` of those errors in ``strategies/`` and
``conformance/checks/`` (found by walking their syntax trees), a profile mistake
that reaches it; ``UNREACHABLE`` the few no profile can reach, with why. A new
``raise`` without an entry fails ``test_every_raise_site_has_a_case``. Each case is
checked both ways: the run's own call (the family, per operation, as the fuzz phase
calls it) raises at that very site, and the linter reports it with the sentence.
"""

from __future__ import annotations

import ast
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from errcontract._config.lint import check_profile
from errcontract._config.lint.calls import probe_context
from errcontract._contract.profile import Profile, schemas_root
from errcontract.exceptions import BadArgument, NothingInDocument, NothingToProbe
from errcontract.strategies import FAMILIES

if TYPE_CHECKING:
    from conftest import CliRun

ROOT = Path(__file__).resolve().parents[2]
RAISED = ("BadArgument", "NothingInDocument")
CLAUSE = "LT-RUN-1"


def raise_sites() -> Iterator[str]:
    """``path:function#n`` of every ``raise BadArgument(...)`` or ``raise
    NothingInDocument(...)`` in the strategies and the checks."""
    for folder in ("strategies", "conformance/checks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            count: dict[str, int] = {}
            yield from _sites(ast.parse(path.read_text()), path, "<module>", count)


def _sites(node: ast.AST, path: Path, function: str, count: dict[str, int]) -> Any:
    for child in ast.iter_child_nodes(node):
        name = (
            child.name
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            else function
        )
        exc = child.exc if isinstance(child, ast.Raise) else None
        if isinstance(exc, ast.Call) and getattr(exc.func, "id", "") in RAISED:
            count[name] = count.get(name, 0) + 1
            yield f"{path.relative_to(ROOT).as_posix()}:{name}#{count[name]}"
        yield from _sites(child, path, name, count)


@dataclass(frozen=True)
class Case:
    """A clause (its ``probes``) in a copy of ``base`` with only that clause, the
    profile and document changed as given, and the sentence the linter says."""

    probes: dict[str, Any]
    says: str
    base: str = "cardda"
    profile: dict[str, Any] = field(default_factory=dict)
    document: Callable[[Any], None] | None = None


def _probes(strategy: str, *operations: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"strategy": strategy, "operations": list(operations)}
    return {**found, "with": params} if params else found


UNKNOWN_ID = {"strategy": "unknown_resources"}


def _combined(operation: str, *defects: dict[str, Any]) -> dict[str, Any]:
    return _probes("combined_defects", operation, defects=list(defects))


def _declare_media_types(document: Any) -> None:
    # Every type unacceptable_accepts would send is one the document produces.
    content = document["paths"]["/v1/banking/banks"]["get"]["responses"]["200"]
    for media in ("image/png", "application/pdf", "text/csv"):
        content.setdefault("content", {})[media] = {"schema": {"type": "string"}}


def _two_path_ids(document: Any) -> None:
    document["paths"]["/v1/pairs/{a}/{b}"] = {
        "get": {
            "operationId": "getPair",
            "parameters": [
                {
                    "name": n,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
                for n in ("a", "b")
            ],
            "responses": {"200": {"description": "the pair"}},
        }
    }


S = "strategies/_internal/"
CASES: dict[str, Case] = {
    f"{S}bodies.py:_body_cases#1": Case(
        _probes("malformed_bodies", "listBanks"), "'listBanks' take no JSON body"
    ),
    f"{S}bodies.py:unsupported_media_types#1": Case(
        _probes(
            "unsupported_media_types", "createRecipient", kinds=["jsonapi-parameter"]
        ),
        "nothing to send to any of them, whatever the target: "
        "unsupported_media_types: kind 'jsonapi-parameter' needs an operation whose "
        "body the document declares in application/vnd.api+json",
    ),
    f"{S}common.py:choose#1": Case(
        _probes("malformed_credentials", "listBanks", kinds=["bare-kee"]),
        "has no kind 'bare-kee' (did you mean 'bare-key'?)",
    ),
    f"{S}common.py:choose_many#1": Case(
        _probes("malformed_credentials", "listBanks", kinds="bare-key"),
        "kinds='bare-key' must be a non-empty list of names",
    ),
    f"{S}common.py:text_argument#1": Case(
        _probes("unknown_resources", "getRecipient", field=""),
        "field='' must be a non-empty string",
    ),
    f"{S}common.py:operation_ids#2": Case(
        _probes("absent_credentials", "listBank"),
        "unknown operation 'listBank' (did you mean 'listBanks'?)",
    ),
    f"{S}combined.py:_entries#2": Case(
        _combined("getRecipient", UNKNOWN_ID, {"strategy": "absent_credential"}),
        "probes/with/defects/1/strategy: unknown strategy 'absent_credential' "
        "(did you mean 'absent_credentials'?)",
    ),
    f"{S}combined.py:_entries#3": Case(
        _combined("getRecipient", UNKNOWN_ID, {"strategy": "ignored_inputs"}),
        "probes/with/defects/1: combined_defects refuses it on getRecipient: "
        "combined_defects: defects[1]: ignored_inputs does not combine: it sends "
        "the valid request first",
    ),
    f"{S}combined.py:_clash#1": Case(
        _combined(
            "createRecipient",
            {"strategy": "invalid_bodies"},
            {"strategy": "malformed_bodies"},
        ),
        "defects[0] (invalid_bodies) and defects[1] (malformed_bodies) both change "
        "the body; one request carries one change of each part",
    ),
    f"{S}combined.py:combined_defects#1": Case(
        _combined(
            "getRecipient",
            {"strategy": "fixture_credentials", "with": {"fixture": "api_key"}},
            UNKNOWN_ID,
        ),
        "probes/with/defects/0/with/fixture: combined_defects refuses it on "
        "getRecipient: combined_defects: defects[0]: fixture='api_key' is the valid "
        "credential; name another key fixture",
    ),
    f"{S}credentials.py:malformed_credentials#1": Case(
        _probes("malformed_credentials", "listBanks", kinds=["padded"]),
        "kinds=['padded'] needs a key in a query parameter",
    ),
    f"{S}credentials.py:malformed_credentials#2": Case(
        _probes("malformed_credentials", "listBanks", kinds=["bare-key"]),
        "kinds=['bare-key'] need a scheme word, and the credential template is "
        "'{token}'",
        profile={"credential_header": "X-API-Key: {token}"},
    ),
    f"{S}credentials.py:_other_key#1": Case(
        _probes("fixture_credentials", "listBanks", fixture="api_key"),
        "fixture='api_key' is the valid credential; name another key fixture",
    ),
    f"{S}credentials.py:_other_key#2": Case(
        _probes("fixture_credentials", "listBanks", fixture="company_id"),
        "fixture='company_id' is not a key fixture of this profile; known: "
        "limited_api_key, unverified_api_key",
    ),
    f"{S}credentials.py:foreign_credentials#1": Case(
        _probes("foreign_credentials", "listBanks", fixture="limited_api_key"),
        "'listBanks' name no resource in their path",
    ),
    f"{S}invalid.py:_schema#1": Case(
        _probes("invalid_bodies", "listBanks"),
        "operation 'listBanks' has no JSON object body schema",
    ),
    f"{S}invalid.py:_fields#1": Case(
        _probes("invalid_bodies", "createRecipient", fields="name"),
        "fields='name' must be a non-empty list of field names",
    ),
    f"{S}invalid.py:_fields#2": Case(
        _probes("invalid_bodies", "createRecipient", fields=["nmae"]),
        "fields has 'nmae', a property of none of the operations (did you mean "
        "'name'?)",
    ),
    f"{S}atomicity.py:refused_writes#1": Case(
        _probes("refused_writes", "createRecipient", kinds=["forbidden"]),
        "kind 'forbidden' and fixture= (the key whose writes are refused) go together",
    ),
    f"{S}atomicity.py:refused_writes#2": Case(
        _probes("refused_writes", "listBanks"),
        "refused_writes: listBanks is a GET without a JSON body",
    ),
    f"{S}atomicity.py:refused_writes#3": Case(
        _probes("refused_writes", "sendCard"),
        "refused_writes: no GET on /integration/send-card",
        base="cardclan",
    ),
    f"{S}ignored.py:ignored_inputs#1": Case(
        _probes("ignored_inputs", "listBanks", kinds=["client-request-id"]),
        "kind 'client-request-id' needs header=",
    ),
    f"{S}ignored.py:ignored_inputs#2": Case(
        _probes("ignored_inputs", "listBanks", kinds=["scheme-case"]),
        "kind 'scheme-case' needs a scheme word in the credential template, and "
        "it is '{token}'",
        profile={"credential_header": "X-API-Key: {token}"},
    ),
    f"{S}misplaced.py:misplaced_credentials#1": Case(
        _probes("misplaced_credentials", "listBanks", kinds=["query"]),
        "kinds=['query']: the API reads the key from query parameter 'api_key', so "
        "the key there is not misplaced",
        profile={"credential_query": "api_key"},
    ),
    f"{S}negotiation.py:unacceptable_accepts#2": Case(
        _probes("unacceptable_accepts", "listBanks"),
        "nothing to send to any of them, whatever the target: "
        "unacceptable_accepts: the document declares every media type",
        document=_declare_media_types,
    ),
    f"{S}parameters.py:_params#1": Case(
        _probes("missing_parameters", "listCards", params="workspace"),
        "params='workspace' must be a non-empty list of names",
        base="cardclan",
    ),
    f"{S}parameters.py:_params#2": Case(
        _probes("missing_parameters", "listRecipients", params=["_start"]),
        "params has '_start', an optional query parameter",
    ),
    f"{S}parameters.py:_params#3": Case(
        _probes("missing_parameters", "listCards", params=["workspce"]),
        "params has 'workspce', a required query parameter of none of the "
        "operations (did you mean 'workspace'?)",
        base="cardclan",
    ),
    f"{S}parameters.py:missing_parameters#1": Case(
        _probes("missing_parameters", "listBanks"),
        "listBanks have no required query parameter",
    ),
    f"{S}parameters.py:invalid_parameters#1": Case(
        _probes("invalid_parameters", "listBanks"),
        "listBanks have no query parameter whose schema refuses a value",
    ),
    f"{S}registry.py:__call__#1": Case(
        _probes("malformed_credentials", "listBanks", kind=["bare-key"]),
        "malformed_credentials takes no 'kind' (did you mean 'kinds'?)",
    ),
    f"{S}registry.py:__call__#2": Case(
        _probes("fixture_credentials", "listBanks"),
        "fixture_credentials needs 'fixture'",
    ),
    f"{S}resources.py:_slots#1": Case(
        _probes("unknown_resources", "listBanks"),
        "operation 'listBanks' has no path parameters; pass field=",
    ),
    f"{S}resources.py:_slots#2": Case(
        _probes("unknown_resources", "getRecipient", field="idd"),
        "field='idd' is not a body property, query or path parameter",
    ),
    f"{S}resources.py:unknown_resources#1": Case(
        _probes("unknown_resources", "getRecipient", foreign="api_key"),
        "foreign='api_key' is a secret, not a resource id",
    ),
    f"{S}resources.py:unknown_resources#2": Case(
        _probes("unknown_resources", "getPair", foreign="foreign_company_id"),
        "getPair have several path parameters; pass field=",
        document=_two_path_ids,
    ),
    f"{S}robustness.py:robustness_probes#1": Case(
        _probes("robustness_probes", "listBanks"),
        "leave nothing to probe in listBanks",
    ),
    f"{S}routes.py:unserved_methods#1": Case(
        _probes("unserved_methods", "createRecipient", kinds=["POST"]),
        "whatever the target: unserved_methods: every method probed (POST) is declared",
    ),
    f"{S}routes.py:unknown_routes#1": Case(
        _probes("unknown_routes", "listBanks", kinds=["extra-segment"]),
        "whatever the target: unknown_routes: kinds=['extra-segment'] apply to none",
    ),
    f"{S}routes.py:head_and_options#1": Case(
        _probes("head_and_options", "createRecipient", kinds=["head"]),
        "whatever the target: head_and_options: kinds=['head'] apply to none",
    ),
    f"{S}sizes.py:_checked_limit#1": Case(
        _probes("oversized_bodies", "createRecipient", limit=10),
        "limit must be a whole number of bytes from 1024",
    ),
    f"{S}sizes.py:oversized_bodies#1": Case(
        _probes("oversized_bodies", "listBanks"), "listBanks take(s) no JSON body"
    ),
    f"{S}tenants.py:_header#1": Case(
        _probes("unknown_tenants", "listCards"),
        "unknown_tenants: this profile has no tenant header",
        base="cardclan",
    ),
    f"{S}tenants.py:_scoped_ids#1": Case(
        _probes("unknown_tenants", "listCompanies"),
        "operations 'listCompanies' do not require the 'company-id' header",
    ),
    f"{S}tenants.py:paired_tenants#1": Case(
        _probes("paired_tenants", "listRecipients", fixture="api_key"),
        "fixture='api_key' is a secret; a tenant is not",
    ),
    f"{S}tenants.py:paired_tenants#2": Case(
        _probes("paired_tenants", "listRecipients", fixture="company_id"),
        "fixture='company_id' is the run's own tenant, not a foreign",
    ),
}

UNREACHABLE: dict[str, str] = {
    f"{S}common.py:operation_ids#1": "the run calls a family with one operation "
    "id at a time; the catalog's meta-schema refuses an empty or non-list "
    "`operations` before that",
    f"{S}combined.py:_entries#1": "the catalog's meta-schema refuses `defects` "
    "that is not a list of at least two entries, each with a strategy, first",
    f"{S}combined.py:combined_defects#2": "no family that combines says the "
    "document leaves it nothing (NothingInDocument): those that do (routes', "
    "unacceptable_accepts) are refused as not combining first",
    f"{S}negotiation.py:unacceptable_accepts#1": "every operation the run holds is "
    "read from its document (parse_operations)",
    f"{S}openapi.py:_keyed#1": "every operation the run holds is read from its "
    "document (parse_operations)",
    f"{S}openapi.py:fuzzed_body_defects#1": "every operation the run holds is read "
    "from its document (parse_operations)",
    f"{S}routes.py:_check_document#1": "every operation the run holds is read from "
    "its document (parse_operations)",
    f"{S}openapi.py:_schema#1": "the linter has validated the document as OpenAPI "
    "first; Schemathesis refusing a valid one is a fault of the tool, not the "
    "profile (and the linter's own call would report it)",
    f"{S}openapi.py:_operation#1": "Schemathesis reads the same validated document's "
    "operations by the same operationId",
    f"{S}registry.py:__call__#3": "the engine passes allow_writes as a bool",
    f"{S}registry.py:__post_init__#1": "a family registered wrong fails at import",
    f"{S}registry.py:registry#1": "a family registered twice fails at import",
}


def test_every_raise_site_has_a_case() -> None:
    sites = set(raise_sites())
    assert len(sites) >= 40
    assert not set(CASES) & set(UNREACHABLE)
    assert sites == set(CASES) | set(UNREACHABLE), (
        f"without a case: {sorted(sites - set(CASES) - set(UNREACHABLE))}; "
        f"stale: {sorted((set(CASES) | set(UNREACHABLE)) - sites)}"
    )


def _profile_with(tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "profiles"
    target = root / "teamapi"
    shutil.copytree(schemas_root() / case.base, target)
    shutil.copytree(schemas_root() / "common", root / "common")
    meta = yaml.safe_load((target / "profile.yaml").read_text())
    meta.update(api="teamapi", **case.profile)
    (target / "profile.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    clause = {
        "id": CLAUSE,
        "text": "a clause the run would refuse to probe",
        "kind": "documented",
        "family": "validation",
        "check": "expected_answer",
        "probes": case.probes,
        "expect": [{"status": 400}],
    }
    catalog = {"api": "teamapi", "clauses": [clause]}
    (target / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    if case.document is not None:
        document = yaml.safe_load((target / "openapi.yaml").read_text())
        case.document(document)
        (target / "openapi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return target


def _repo_path(filename: str) -> str:
    """A source file's path in the repository, whether the package runs from the
    tree (an editable install) or from an installed copy (tox's wheel)."""
    path = Path(filename).resolve()
    parts = path.parts
    if "errcontract" in parts:
        at = len(parts) - 1 - parts[::-1].index("errcontract")
        inner = Path(*parts[at + 1 :]).as_posix()
        return inner if inner.startswith("strategies/") else f"conformance/{inner}"
    return path.relative_to(ROOT).as_posix()


def _raised_at(directory: Path, case: Case) -> str | None:
    """The site the run's own call raises at (``None``: it raised nothing)."""
    profile = Profile(directory)
    ctx = replace(probe_context(profile), checking=False)
    family = FAMILIES[case.probes["strategy"]]
    for op in case.probes["operations"]:
        try:
            family(ctx, [op], allow_writes=True, **case.probes.get("with", {}))
        except (BadArgument, NothingInDocument) as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            return f"{_repo_path(frame.filename)}:{frame.name}"
        except NothingToProbe:
            continue
    return None


@pytest.mark.parametrize("site", sorted(CASES))
def test_the_linter_reports_what_the_run_would_refuse(
    site: str, tmp_path: Path
) -> None:
    case = CASES[site]
    directory = _profile_with(tmp_path, case)
    # The run's call, from these files, raises at this very site ...
    assert _raised_at(directory, case) == site.partition("#")[0]
    # ... and the linter says so first: one line naming the catalog and the clause.
    problems = [str(p) for p in check_profile(directory)]
    said = [p for p in problems if case.says in p]
    assert said, problems
    assert said[0].startswith(f"{directory / 'clauses.yaml'}: clause {CLAUSE}")


def test_the_valid_key_as_another_fixture_is_exit_2_not_4(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    # Before: check-profile said "no problems" and the run exited 4 with
    # "BadArgument: fixture='api_key' is the valid credential".
    case = CASES[f"{S}credentials.py:_other_key#1"]
    directory = _profile_with(tmp_path, case)
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    assert check.out.strip() == (
        f"{directory / 'clauses.yaml'}: clause {CLAUSE}: probes/with/fixture: "
        "fixture_credentials refuses it on listBanks: fixture='api_key' is the "
        "valid credential; name another key fixture"
    )
    run = run_cli(
        "run", "--profile-dir", str(directory), "--base-url", "http://127.0.0.1:9"
    )
    assert run.code == 2, run.err
    assert "is the valid credential" in run.err


def _header_with_var(document: Any) -> None:
    operation = document["paths"]["/v1/banking/banks"]["get"]
    operation["parameters"] = [
        {
            "name": "X-Bank",
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "x-conformance-var": "bank_id",
        },
        {
            "name": "bank",
            "in": "query",
            "schema": {"type": "string"},
            "x-conformance-var": "bank_id",
        },
    ]


def test_a_parameter_that_will_not_be_sent_is_reported(tmp_path: Path) -> None:
    case = Case(
        _probes("absent_credentials", "listBanks"), "", document=_header_with_var
    )
    directory = _profile_with(tmp_path, case)
    problems = [str(p) for p in check_profile(directory)]
    where = f"{directory / 'openapi.yaml'}: operation listBanks: "
    assert (
        where
        + (
            "header parameter 'X-Bank' has x-conformance-var 'bank_id' but will not be "
            "sent: a valid request carries only path parameters, required query "
            "parameters and the tenant header, not a header parameter (a header goes "
            "out only as profile.yaml's tenant header or the credential)"
        )
        in problems
    )
    assert any(
        p.startswith(where + "query parameter 'bank' has x-conformance-var")
        and "not an optional query parameter (mark it required: true" in p
        for p in problems
    ), problems
    # What is sent is not reported: path ids and required query values.
    for api in ("cardda", "cardclan"):
        assert check_profile(schemas_root() / api) == ()


def test_a_header_value_pattern_that_does_not_compile_is_exit_2(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """header_value compiles its pattern with the function the linter calls
    (``header_pattern``): a broken one is reported before any run, never a crash
    in the middle of one (the check raises no BadArgument of its own)."""
    directory = _profile_with(tmp_path, Case(_probes("absent_credentials"), ""))
    catalog = yaml.safe_load((directory / "clauses.yaml").read_text())
    catalog["clauses"] = [
        {
            "id": CLAUSE,
            "text": "401s challenge with Bearer",
            "kind": "documented",
            "family": "auth",
            "check": "header_value",
            "with": {"header": "WWW-Authenticate", "pattern": "(?i)bearer("},
            "scope": {"responses": "errors", "status": [401]},
        }
    ]
    (directory / "clauses.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False))
    check = run_cli("check-profile", str(directory))
    assert check.code == 2
    assert check.out.strip() == (
        f"{directory / 'clauses.yaml'}: clause {CLAUSE}: with/pattern: "
        "'(?i)bearer(' is no regular expression: missing ), unterminated "
        "subpattern at position 10"
    )
