//! The tools another agent sees: names, human-readable descriptions and
//! the JSON schemas of their arguments.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{json, Map, Value};

pub const INSTRUCTIONS: &str = "RedKey CRM for one client (the token's). Read contacts, deals, \
the pipeline and activity; log operational activity (emails, calls, meetings). Strategic \
fields (stage, priority, notes, recontact dates) are the founder's: describe the change in a \
sentence with tell_arlo, and arlo carries it out as the founder's instruction. Ask arlo \
questions with ask_arlo. Both return a task id to follow with task_status.";

pub const TOOLS: [&str; 9] = [
    "search_contacts",
    "get_contact",
    "list_pipeline",
    "get_deal",
    "recent_activity",
    "log_activity",
    "tell_arlo",
    "ask_arlo",
    "task_status",
];

pub fn is_tool(name: &str) -> bool {
    TOOLS.contains(&name)
}

/// Activity kinds an agent may log: email events come from the provider.
pub const ACTIVITY_KINDS: [&str; 3] = ["meeting", "call", "note"];

fn schema(properties: Value, required: &[&str]) -> Arc<Map<String, Value>> {
    let Value::Object(map) = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    }) else {
        unreachable!("a JSON object literal")
    };
    Arc::new(map)
}

fn id(what: &str) -> Value {
    json!({ "type": "string", "format": "uuid", "description": what })
}

fn wait() -> Value {
    json!({
        "type": "integer", "minimum": 0, "maximum": 30, "default": 10,
        "description": "Seconds to wait for arlo to finish before returning the task as it stands."
    })
}

fn tool(name: &'static str, description: &'static str, input: Arc<Map<String, Value>>) -> Tool {
    Tool::new(name, description, input)
}

fn read_only(t: Tool) -> Tool {
    t.annotate(ToolAnnotations::new().read_only(true))
}

pub fn tools() -> Vec<Tool> {
    vec![
        read_only(tool(
            "search_contacts",
            "Find contacts whose name, email or company contains the query. Returns up to \
             `limit` contacts with their id, name, email, company and priority.",
            schema(
                json!({
                    "query": { "type": "string", "minLength": 1, "maxLength": 200,
                               "description": "Part of a name, an email address or a company name." },
                    "limit": { "type": "integer", "minimum": 1, "maximum": 50, "default": 10 }
                }),
                &["query"],
            ),
        )),
        read_only(tool(
            "get_contact",
            "One contact by id: their fields (strategic and operational) and their ten most \
             recent activities.",
            schema(json!({ "id": id("The contact's id.") }), &["id"]),
        )),
        read_only(tool(
            "list_pipeline",
            "The pipeline board: each stage with its deal count and totals, and its first \
             deals in board order (name, amount, company, days in stage, stale or not).",
            schema(
                json!({
                    "deals_per_stage": { "type": "integer", "minimum": 0, "maximum": 25, "default": 5,
                                         "description": "How many deals to list per stage." }
                }),
                &[],
            ),
        )),
        read_only(tool(
            "get_deal",
            "One deal by id: stage, amount, close date, priority, notes, company and point of \
             contact, and its ten most recent activities.",
            schema(json!({ "id": id("The deal's id.") }), &["id"]),
        )),
        read_only(tool(
            "recent_activity",
            "The newest activities (emails, calls, meetings, notes), newest first; optionally \
             of one kind or about one contact.",
            schema(
                json!({
                    "limit": { "type": "integer", "minimum": 1, "maximum": 50, "default": 20 },
                    "kind": { "type": "string", "enum": redkey_types::ACTIVITY_KINDS },
                    "contact_id": id("Only this contact's activities.")
                }),
                &[],
            ),
        )),
        tool(
            "log_activity",
            "Log an operational activity on the timeline (a meeting, a call, a note) with a \
             contact, or about a company or deal. With an external_key the same activity is \
             logged once, however often it is sent. What it implies for a strategic field \
             (a date to recontact) becomes arlo's suggestion to the founder.",
            schema(
                json!({
                    "kind": { "type": "string", "enum": ACTIVITY_KINDS },
                    "subject": { "type": "string", "maxLength": 500 },
                    "body": { "type": "string", "maxLength": 20000 },
                    "happens_at": { "type": "string", "format": "date-time",
                                    "description": "When it happened (RFC 3339); now if absent." },
                    "contact_id": id("The contact it was with."),
                    "company_id": id("The company it was about."),
                    "deal_id": id("The deal it was about."),
                    "external_key": { "type": "string", "minLength": 1, "maxLength": 200,
                                      "description": "The caller's own id for it, for idempotence." }
                }),
                &["kind"],
            ),
        ),
        tool(
            "tell_arlo",
            "Tell arlo a strategic decision in a sentence (\"mark Sarah at Meridian as a \
             priority\", \"the Acme deal is stalled, recontact in July\"). It is stored as the \
             founder's instruction and carried out by arlo on the strategic fields; nothing is \
             written directly. Returns the task, with its result when it finishes in time.",
            schema(
                json!({
                    "sentence": { "type": "string", "minLength": 1, "maxLength": 2000 },
                    "about": {
                        "type": "object",
                        "description": "The record the sentence is about when it does not name it.",
                        "properties": {
                            "kind": { "type": "string", "enum": ["contact", "company", "deal"] },
                            "id": id("The record's id.")
                        },
                        "required": ["kind", "id"],
                        "additionalProperties": false
                    },
                    "wait_seconds": wait()
                }),
                &["sentence"],
            ),
        ),
        tool(
            "ask_arlo",
            "Ask arlo a question about the CRM (\"summarise the pipeline\", \"who should I \
             recontact this week\"). Arlo reads and answers; it changes nothing. Returns the \
             task, with its answer when it finishes in time.",
            schema(
                json!({
                    "question": { "type": "string", "minLength": 1, "maxLength": 2000 },
                    "wait_seconds": wait()
                }),
                &["question"],
            ),
        ),
        read_only(tool(
            "task_status",
            "One of arlo's tasks by id (from tell_arlo or ask_arlo): its status, attempts, \
             result or last error.",
            schema(json!({ "id": id("The task's id.") }), &["id"]),
        )),
    ]
}
