//! Arlo's prompts and answer schemas, each a file under version control
//! beside this one; `{{name}}` marks a value filled in per call.

use serde_json::Value;

pub struct Prompt {
    system: &'static str,
    schema: &'static str,
    pub max_tokens: u32,
}

/// A founder's sentence to a change set on strategic fields.
pub const STRATEGIC_INSTRUCT: Prompt = Prompt {
    system: include_str!("prompts/strategic_instruct.md"),
    schema: include_str!("prompts/strategic_instruct.schema.json"),
    max_tokens: 1024,
};

/// A question about the CRM, answered from the records given.
pub const CRM_QUERY: Prompt = Prompt {
    system: include_str!("prompts/crm_query.md"),
    schema: include_str!("prompts/crm_query.schema.json"),
    max_tokens: 2048,
};

/// One sequence step, personalised from its template.
pub const DRAFT_STEP: Prompt = Prompt {
    system: include_str!("prompts/draft_step.md"),
    schema: include_str!("prompts/draft_step.schema.json"),
    max_tokens: 1500,
};

/// A meeting's notes: action items and when to talk again.
pub const MEETING_NOTE: Prompt = Prompt {
    system: include_str!("prompts/meeting_note.md"),
    schema: include_str!("prompts/meeting_note.schema.json"),
    max_tokens: 1024,
};

impl Prompt {
    /// The system prompt with `vars` filled in.
    pub fn system(&self, vars: &[(&str, &str)]) -> String {
        vars.iter().fold(self.system.to_string(), |text, (k, v)| {
            text.replace(&format!("{{{{{k}}}}}"), v)
        })
    }

    pub fn schema(&self) -> Value {
        serde_json::from_str(self.schema).expect("prompt schemas are JSON (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_fill_in_and_schemas_parse() {
        for p in [&STRATEGIC_INSTRUCT, &CRM_QUERY, &DRAFT_STEP, &MEETING_NOTE] {
            assert_eq!(p.schema()["type"], "object");
            let vars = [
                ("today", "2026-11-29"),
                ("context", "[]"),
                ("sender", "Justin"),
                ("intent", "a nudge"),
                ("subject", "Hello"),
                ("body", "Hi"),
            ];
            let text = p.system(&vars);
            assert!(!text.contains("{{"), "every value filled in");
        }
    }
}
