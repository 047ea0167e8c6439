"""What the schema says about answers other than a 200, so that clients (and the fuzz test) know them."""

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in words."}},
    "required": ["detail"],
}
THROTTLED = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "The limit, and when to try again."},
        "retry_after": {"type": "integer", "minimum": 1, "description": "Seconds to wait (as Retry-After)."},
    },
    "required": ["detail", "retry_after"],
}
INVALID_PARAMETERS = {
    "type": "object",
    "description": "Each parameter that was not understood, with what was wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _response(description, name):
    schema = {"$ref": f"#/components/schemas/{name}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_error_responses(result, generator, request, public):
    """A drf-spectacular postprocessing hook: 400, 404 and 429 answers on every operation that can give them."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(
        {"Error": ERROR, "Throttled": THROTTLED, "InvalidParameters": INVALID_PARAMETERS}
    )
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses["429"] = {
                **_response("Too many requests from this address: wait as long as Retry-After says.", "Throttled"),
                "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
            }
            if "{" in path:
                responses["404"] = _response("No published record has this identifier.", "Error")
            elif any(parameter["in"] == "query" for parameter in operation.get("parameters", [])):
                responses["404"] = _response("The page number is past the last page, or not a number.", "Error")
                responses["400"] = _response("A filter's value was not understood.", "InvalidParameters")
    return result
