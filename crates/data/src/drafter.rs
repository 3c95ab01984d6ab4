//! Rendering a step into an email: one seam, the [`Drafter`]. Templates
//! now; arlo's model will personalise drafts later behind the same trait.

use redkey_types::{fill, Company, Contact, Step};

pub use redkey_types::Draft;

pub trait Drafter: Send + Sync {
    fn draft(
        &self,
        step: &Step,
        contact: &Contact,
        company: Option<&Company>,
        sender: &str,
    ) -> Draft;
}

/// `{{token}}` templates.
pub struct Templates;

impl Drafter for Templates {
    fn draft(
        &self,
        step: &Step,
        contact: &Contact,
        company: Option<&Company>,
        sender: &str,
    ) -> Draft {
        let value = |token: &str| -> Option<String> {
            match token {
                "first_name" => Some(contact.first_name.clone()),
                "last_name" => Some(contact.last_name.clone()),
                "full_name" => Some(contact.full_name()),
                "company" => company.map(|c| c.name.clone()),
                "job_title" => contact.job_title.clone(),
                "sender_name" => Some(sender_name(sender)),
                _ => None,
            }
        };
        Draft {
            subject: fill(&step.subject, value),
            text: fill(&step.body, value),
        }
    }
}

/// "Justin <j@x.com>" -> "Justin"; a bare address stays as it is.
pub fn sender_name(from: &str) -> String {
    match from.split_once('<') {
        Some((name, _)) if !name.trim().is_empty() => name.trim().trim_matches('"').to_string(),
        _ => from.trim().to_string(),
    }
}
