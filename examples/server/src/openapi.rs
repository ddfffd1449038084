//! The OpenAPI 3.0 description served at `/openapi.json` (hand-written; a test checks that every
//! path in it is routed and every route is in it).

use serde_json::{json, Value};

fn err_responses(codes: &[u16]) -> Value {
    let mut m = serde_json::Map::new();
    for c in codes {
        m.insert(
            c.to_string(),
            json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    Value::Object(m)
}

fn op(
    summary: &str,
    security: &str,
    body: Option<Value>,
    params: Vec<Value>,
    ok: u16,
    errors: &[u16],
) -> Value {
    let mut responses = err_responses(errors);
    responses[ok.to_string()] = json!({"description": "success", "content": {"application/json": {"schema": {"type": "object"}}}});
    let mut o = json!({"summary": summary, "responses": responses, "parameters": params});
    if !security.is_empty() {
        o["security"] = json!([{ security: [] }]);
    }
    if let Some(b) = body {
        o["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b}}});
    }
    o
}

fn key_param() -> Value {
    json!({"name": "key", "in": "path", "required": true, "schema": {"type": "string"}, "description": "product key, XXXX-XXXX-XXXX-XXXX"})
}

fn idem_param() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 128},
        "description": "request id: a retry with the same id gets the same answer and records nothing new"})
}

fn q(name: &str, required: bool, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}, "description": desc})
}

fn s(t: &str) -> Value {
    json!({"type": t})
}

fn opt_str() -> Value {
    json!({"type": "string", "nullable": true})
}

/// The document.
pub fn document() -> Value {
    let machine = json!({"type": "object", "additionalProperties": false, "properties": {"machine": opt_str()}});
    let place = json!({"type": "object", "additionalProperties": false, "properties": {"account": {"type": "integer", "minimum": 0}, "site": {"type": "integer", "minimum": 0}}});
    let call_home = json!({"type": "object", "additionalProperties": false, "required": ["key", "machine"],
        "properties": {"key": s("string"), "machine": s("string"), "certificate_seconds": {"type": "integer", "nullable": true}}});
    let month = vec![
        q("month", true, "YYYY-MM"),
        q("zone", false, "IANA time zone, default UTC"),
        q("format", false, "json (default) or csv"),
    ];
    let console_errors: &[u16] = &[400, 401, 404, 409, 422];
    json!({
        "openapi": "3.0.3",
        "info": {"title": "keyledger reference licence server", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Products activate and call home; MSPs manage their keys. Errors are JSON with the core's stable codes."},
        "components": {
            "securitySchemes": {
                "console": {"type": "http", "scheme": "bearer", "description": "per-MSP console token"},
                "machine": {"type": "http", "scheme": "bearer", "description": "machine token returned by /v1/activate"},
                "admin": {"type": "http", "scheme": "bearer", "description": "the server's admin token"}
            },
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
                "properties": {"code": s("string"), "message": s("string"), "fields": s("object")}}}}}
        },
        "paths": {
            "/healthz": {"get": op("liveness", "", None, vec![], 200, &[])},
            "/openapi.json": {"get": op("this document", "", None, vec![], 200, &[])},
            "/v1/catalog": {"get": op("the product catalog", "", None, vec![], 200, &[])},
            "/v1/activate": {"post": op("product: activate a key on a machine; returns the machine token", "",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["key", "machine", "msp_name", "customer_name"],
                    "properties": {"key": s("string"), "machine": s("string"), "msp_name": s("string"), "customer_name": s("string"),
                                   "computer_role": opt_str(), "edition": opt_str()}})),
                vec![idem_param()], 200, &[400, 404, 409, 413, 422, 429])},
            "/v1/call-home": {"post": op("product: call home; the answer is the decision the product acts on (finalises a pending deactivation)", "machine",
                Some(call_home.clone()), vec![idem_param()], 200, &[400, 401, 403, 404, 413, 422])},
            "/v1/finalise-deactivation": {"post": op("product: finalise a pending deactivation (409 if none is pending)", "machine",
                Some(call_home), vec![idem_param()], 200, &[400, 401, 403, 404, 409, 422])},
            "/v1/jobs": {"post": op("product: start or end an ImageManager job licence", "machine",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["key", "machine", "job_type", "job_name", "action"],
                    "properties": {"key": s("string"), "machine": s("string"), "job_type": s("string"), "job_name": s("string"), "action": {"type": "string", "enum": ["start", "end"]}}})),
                vec![idem_param()], 200, &[400, 401, 403, 404, 409, 422])},
            "/v1/keys/{key}/jobs": {"post": op("console: start or end a job licence on the MSP's key", "console",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["machine", "job_type", "job_name", "action"],
                    "properties": {"machine": s("string"), "job_type": s("string"), "job_name": s("string"), "action": {"type": "string", "enum": ["start", "end"]}}})),
                vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/keys/{key}/legacy-machine": {"post": op("record the machine a legacy licence is installed on", "console",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["machine"], "properties": {"machine": s("string")}})),
                vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/reports/double-billing": {"get": op("double billing: machines with an active legacy licence and a billed SP MSP licence in the month", "console", None, month.clone(), 200, &[401, 422])},
            "/v1/org": {"get": op("accounts and sites", "console", None, vec![], 200, &[401])},
            "/v1/accounts": {"post": op("create an account", "console",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["name"], "properties": {"name": s("string"), "address": opt_str(), "notes": opt_str()}})),
                vec![idem_param()], 200, console_errors)},
            "/v1/sites": {"post": op("create a site in an account", "console",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["account", "name"], "properties": {"account": {"type": "integer", "minimum": 0}, "name": s("string"), "address": opt_str(), "notes": opt_str()}})),
                vec![idem_param()], 200, console_errors)},
            "/v1/keys": {
                "get": op("status of every key", "console", None, vec![], 200, &[401]),
                "post": op("generate keys into an account or site (Default Account if none)", "console",
                    Some(json!({"type": "object", "additionalProperties": false, "required": ["product", "quantity"],
                        "properties": {"product": {"type": "integer", "minimum": 0, "maximum": 255}, "quantity": {"type": "integer", "minimum": 0}, "account": {"type": "integer", "minimum": 0}, "site": {"type": "integer", "minimum": 0}}})),
                    vec![idem_param()], 201, console_errors)
            },
            "/v1/keys/{key}": {"get": op("status of one key", "console", None, vec![key_param()], 200, console_errors)},
            "/v1/keys/{key}/history": {"get": op("activation history of a key", "console", None, vec![key_param()], 200, console_errors)},
            "/v1/keys/{key}/deactivate": {"post": op("deactivate (pending until the machine calls home)", "console", Some(machine.clone()), vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/keys/{key}/reactivate": {"post": op("reactivate", "console", Some(machine), vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/keys/{key}/move": {"post": op("move a key to an account or site", "console", Some(place), vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/keys/{key}/legacy-status": {"post": op("set a legacy key's status", "console",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["active"], "properties": {"active": s("boolean")}})),
                vec![key_param(), idem_param()], 200, console_errors)},
            "/v1/reports/billing": {"get": op("Billing Detail for a month (JSON or CSV)", "console", None, month.clone(), 200, &[401, 422])},
            "/v1/reports/trends": {"get": op("twelve months of trends ending at a month", "console", None, month, 200, &[401, 422])},
            "/v1/reports/activations": {"get": op("Activation Report for a date range", "console", None,
                vec![q("start", true, "YYYY-MM-DD"), q("end", true, "YYYY-MM-DD"), q("zone", false, "IANA time zone"), q("format", false, "json or csv")], 200, &[401, 422])},
            "/v1/reports/names": {"get": op("name-consistency report", "console", None, vec![], 200, &[401])},
            "/v1/stats": {"get": op("counters of the MSP's ledger", "console", None, vec![], 200, &[401])},
            "/v1/admin/msps": {"post": op("create an MSP; returns its console token once", "admin",
                Some(json!({"type": "object", "additionalProperties": false, "required": ["name"], "properties": {"name": s("string")}})), vec![], 201, &[401, 409, 422])},
            "/console/": {"get": op("the demo console page (API mode)", "", None, vec![], 200, &[])},
            "/console/{file}": {"get": op("the console's files", "", None,
                vec![json!({"name": "file", "in": "path", "required": true, "schema": {"type": "string"}})], 200, &[404])}
        }
    })
}
