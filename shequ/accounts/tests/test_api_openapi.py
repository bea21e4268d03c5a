"""The OpenAPI document generates and lists every operation with a summary."""
from django.test import Client

EXPECTED = {
    ("get", "/api/accounts/me"), ("get", "/api/accounts/tokens"), ("post", "/api/accounts/tokens"),
    ("post", "/api/accounts/tokens/{token_id}/revoke"),
    ("get", "/api/tree/nodes"), ("post", "/api/tree/nodes"), ("get", "/api/tree/nodes/{node_id}"),
    ("patch", "/api/tree/nodes/{node_id}"), ("get", "/api/tree/nodes/{node_id}/children"),
    ("post", "/api/tree/nodes/{node_id}/move"), ("get", "/api/tree/deviations"), ("get", "/api/tree/locate"),
    ("get", "/api/registry/addresses"), ("put", "/api/registry/buildings/{building_id}/address"),
    ("get", "/api/registry/houses"), ("post", "/api/registry/houses"), ("get", "/api/registry/houses/{house_id}"),
    ("patch", "/api/registry/houses/{house_id}"),
    ("get", "/api/registry/households"), ("post", "/api/registry/households"),
    ("get", "/api/registry/households/{household_id}"),
    ("get", "/api/registry/residents"), ("post", "/api/registry/residents"),
    ("get", "/api/registry/residents/{resident_id}"), ("patch", "/api/registry/residents/{resident_id}"),
    ("post", "/api/registry/residents/{resident_id}/move"), ("get", "/api/registry/residents/{resident_id}/history"),
    ("post", "/api/registry/residents/{resident_id}/reveal"),
    ("get", "/api/registry/tenancies"), ("post", "/api/registry/tenancies"),
    ("post", "/api/registry/tenancies/{tenancy_id}/end"),
    ("get", "/api/registry/units"), ("post", "/api/registry/units"), ("get", "/api/registry/units/{unit_id}"),
    ("patch", "/api/registry/units/{unit_id}"),
}


def test_openapi_lists_every_operation_with_a_summary(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = {(method, path): op for path, ops in schema["paths"].items() for method, op in ops.items()}
    assert EXPECTED <= set(operations)
    for key, op in operations.items():
        assert op.get("summary"), key
    ids = [op["operationId"] for op in operations.values()]
    assert len(ids) == len(set(ids))
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "StaffSessionAuth"}


def test_openapi_output_schemas_are_explicit(db):
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    resident = schemas["ResidentOut"]["properties"]
    assert "id_hash" not in resident and "phone_hash" not in resident
    assert {"id_number", "phone", "name", "tags"} <= set(resident)


def test_docs_page_renders(db):
    assert Client().get("/api/docs").status_code == 200
