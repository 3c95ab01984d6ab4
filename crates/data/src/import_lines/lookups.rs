//! What the lines of one batch look records up in, read once at its start:
//! the pipelines, the client's companies by id, domain and name, and its
//! contacts by id and email (and, without one, by name and company). Reading them
//! once beats a query per line: behind forced row security a lookup by a
//! lower-cased email cannot use its index. Records a line creates join the
//! maps; when the line is rolled back they leave again.

use std::collections::HashMap;

use uuid::Uuid;

use super::super::{Result, Tx};
use redkey_types::{import::normalise_domain, Stage};

/// A key a record is found by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Company(Uuid),
    Contact(Uuid),
    Domain(String),
    CompanyName(String),
    Email(String),
    /// First name, last name and company of a contact without an email.
    Person(String, String, Option<Uuid>),
}

#[derive(sqlx::FromRow)]
struct KnownContact {
    id: Uuid,
    email: Option<String>,
    first_name: String,
    last_name: String,
    company_id: Option<Uuid>,
}

pub struct Lookups {
    pub(super) stages: Vec<Stage>,
    found: HashMap<Key, Uuid>,
    /// Keys the current line added.
    fresh: Vec<Key>,
}

impl Lookups {
    pub async fn load(tx: &mut Tx) -> Result<Self> {
        let stages = super::super::pipeline::stages(tx).await?;
        let mut me = Self {
            stages,
            found: HashMap::new(),
            fresh: Vec::new(),
        };
        let companies: Vec<(Uuid, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, domain FROM crm_companies ORDER BY created_at, id")
                .fetch_all(tx.conn())
                .await?;
        for (id, name, domain) in companies {
            me.company_added(id, &name, domain.as_deref());
        }
        let contacts: Vec<KnownContact> = sqlx::query_as(
            "SELECT id, email, first_name, last_name, company_id FROM crm_contacts \
             ORDER BY created_at, id",
        )
        .fetch_all(tx.conn())
        .await?;
        for c in contacts {
            me.contact_added(
                c.id,
                c.email.as_deref(),
                &c.first_name,
                &c.last_name,
                c.company_id,
            );
        }
        me.fresh.clear();
        Ok(me)
    }

    fn remember(&mut self, key: Key, id: Uuid) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.found.entry(key.clone()) {
            e.insert(id);
            self.fresh.push(key);
        }
    }

    pub(super) fn company_added(&mut self, id: Uuid, name: &str, domain: Option<&str>) {
        self.remember(Key::Company(id), id);
        if let Some(d) = domain.and_then(normalise_domain) {
            self.remember(Key::Domain(d), id);
        }
        self.remember(Key::CompanyName(name.trim().to_lowercase()), id);
    }

    pub(super) fn contact_added(
        &mut self,
        id: Uuid,
        email: Option<&str>,
        first: &str,
        last: &str,
        company: Option<Uuid>,
    ) {
        self.remember(Key::Contact(id), id);
        match email {
            Some(e) => self.remember(Key::Email(e.to_lowercase()), id),
            None => self.remember(Key::Person(first.into(), last.into(), company), id),
        }
    }

    pub(super) fn has_company(&self, id: Uuid) -> bool {
        self.found.contains_key(&Key::Company(id))
    }

    pub(super) fn has_contact(&self, id: Uuid) -> bool {
        self.found.contains_key(&Key::Contact(id))
    }

    pub(super) fn company_by_domain(&self, domain: &str) -> Option<Uuid> {
        self.found.get(&Key::Domain(domain.into())).copied()
    }

    pub(super) fn company_by_name(&self, name: &str) -> Option<Uuid> {
        self.found
            .get(&Key::CompanyName(name.trim().to_lowercase()))
            .copied()
    }

    pub(super) fn contact_by_email(&self, email: &str) -> Option<Uuid> {
        self.found.get(&Key::Email(email.to_lowercase())).copied()
    }

    pub(super) fn contact_by_name(
        &self,
        first: &str,
        last: &str,
        company: Option<Uuid>,
    ) -> Option<Uuid> {
        self.found
            .get(&Key::Person(first.into(), last.into(), company))
            .copied()
    }

    /// The line is done: what it added stays.
    pub fn keep_fresh(&mut self) {
        self.fresh.clear();
    }

    /// The line was rolled back: what it created is gone.
    pub fn forget_fresh(&mut self) {
        for key in self.fresh.drain(..) {
            self.found.remove(&key);
        }
    }
}
