"""The hand-written parts of ``docs/reference.md``: what no registry or meta-schema
holds (the OpenAPI extensions the suite reads, the placeholders of examples, the
profile's other files). ``_reference_docs`` renders them."""

from __future__ import annotations

EXTENSIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "x-conformance-var",
        "a parameter, or a property of a request-body schema",
        "a name",
        "on a parameter: the discovered value or fixture a valid request puts there "
        "(default: the parameter's own name), which a fixture or a `setup` step must "
        "provide; on a body property: the property holds that value (its example "
        "says `${name}`), so probes treat it as a reference, not free text",
    ),
    (
        "x-conformance-writes",
        "an operation",
        "boolean",
        "the operation changes state on success: `--read-only` sends no probe of it "
        "that a conforming target would carry out",
    ),
    (
        "x-conformance-cleanup",
        "an operation",
        "`{operation, var, pick}`",
        "how to delete what a successful create made: `pick` (a JSON Pointer, "
        "default `/id`) reads the new id from the answer into `var`, and "
        "`operation` is sent at the end of the run",
    ),
    (
        "x-conformance-max-body",
        "an operation, or the top level",
        "bytes (1 KiB-16 MiB)",
        "the request-body limit the API states: SIZE-1 sends 1 KiB more (else 1 MiB)",
    ),
    (
        "x-conformance-bundled",
        "the document's top level",
        "a mapping of name to copied target",
        "written by the suite, not by hand: where a document's references to files "
        "beside it (or allowed hosts) were copied when it was read, each such `$ref` "
        "rewritten to `#/x-conformance-bundled/<name>`, so the document is "
        "self-contained (docs/security.md)",
    ),
    (
        "x-conformance-bundled-from",
        "the document's top level",
        "a mapping of name to `file#fragment`",
        "written by the suite with `x-conformance-bundled`: the reference each copied "
        "target came from, so the `document` convention can tell a schema file's "
        "status rows (`shape-a.schema.json#/$defs/404`) from its root",
    ),
)

PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    (
        "${name}",
        "a fixture or a value a `setup` step discovered; a string that is only the "
        "placeholder takes the value's own type",
    ),
    (
        "${unique_digits}",
        "built in: a fresh 12-digit string per request, so creates do not collide "
        "with what a deployment already holds",
    ),
)

OTHER_FILES: tuple[tuple[str, str], ...] = (
    (
        "`openapi.yaml`",
        "An OpenAPI 3.1 document of the operations the profile exercises (named by "
        "`operationId` in the catalog and `profile.yaml`). Its parameters, "
        "request-body schemas and `example`s (with `${…}` placeholders) make the "
        "valid requests probes start from; required fields are exactly those the "
        "contract marks required. The suite reads the extensions below.",
    ),
    (
        "`*.schema.json`",
        "JSON Schema (draft 2020-12) documents of the error bodies, named by the "
        "`body_schema` check's `schema` (a file, or `file#/$defs/NAME`); with "
        '`by_status`, `$defs` per status (`"404"`) or status family (`"4XX"`). '
        "`$ref`s between them resolve relative to the profile.",
    ),
    (
        "Other data files",
        "JSON files named by a check's parameters relative to the profile, such as "
        '`no_internals`\' `patterns` (`{"patterns": [{"name", "regex"}]}`).',
    ),
)
