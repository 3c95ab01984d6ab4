//! One line of an imported file becomes a created, updated or unchanged
//! record, or is skipped with its reason. Records are found again by the
//! id the file gives, then by email (contacts), domain or name
//! (companies), name and company (deals), so importing a file twice
//! changes nothing the second time; only fields whose value differs are
//! written. Identity and strategic columns are written as the person who
//! uploaded the file; operational ones (LinkedIn, employees, industry)
//! are arlo's, so they are written as arlo in the same transaction.

use std::collections::HashMap;

mod deal_lines;
mod lookups;

pub use lookups::Lookups;

use uuid::Uuid;

use super::{
    companies::CompanyField,
    contacts::ContactField,
    records::{self, RecordField},
    write::{insert, Value},
    Actor, DbError, Field, Result, Tx,
};
use redkey_types::{
    import::{normalise_domain, parse_flag, split_full_name},
    import::{Outcome, Target},
    Company, Contact, EmailAddress, Priority, Source, TableKind,
};

/// The non-empty cells of one line, by meaning.
pub struct Cells(HashMap<Target, String>);

impl Cells {
    pub fn new(mapping: &[Option<Target>], row: &[String]) -> Self {
        let values = mapping
            .iter()
            .zip(row)
            .filter_map(|(t, v)| Some(((*t)?, v.trim().to_string())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Self(values)
    }

    fn get(&self, t: Target) -> Option<&str> {
        self.0.get(&t).map(String::as_str)
    }

    fn text(&self, t: Target) -> Option<String> {
        self.get(t).map(str::to_string)
    }
}

/// What applying a line came to.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Done(Outcome, Uuid),
    Skipped(String),
}

/// Applies one line of a file of `kind` in the caller's transaction.
/// Values the file gets wrong are `Skipped` with the reason; errors are
/// Postgres refusing the write (the caller rolls the line back).
pub async fn apply(
    tx: &mut Tx,
    kind: TableKind,
    cells: &Cells,
    l: &mut Lookups,
) -> Result<Applied> {
    let r = match kind {
        TableKind::Contacts => contact(tx, cells, l).await,
        TableKind::Companies => company(tx, cells, l).await,
        TableKind::Deals => deal_lines::deal(tx, cells, l).await,
    };
    match r {
        Err(DbError::Invalid(why)) => Ok(Applied::Skipped(why)),
        other => other,
    }
}

fn invalid(why: String) -> DbError {
    DbError::Invalid(why)
}

fn id_of(c: &Cells, t: Target) -> Result<Option<Uuid>> {
    c.get(t)
        .map(|s| Uuid::parse_str(s).map_err(|_| invalid(format!("“{s}” is not an id"))))
        .transpose()
}

fn priority_of(c: &Cells) -> Result<Option<Priority>> {
    c.get(Target::Priority)
        .map(|s| {
            Priority::parse(&s.to_lowercase()).ok_or_else(|| {
                invalid(format!(
                    "“{s}” is not a priority (low, medium, high, critical)"
                ))
            })
        })
        .transpose()
}

/// A record of this client with this id, if the file names one.
async fn by_id<R: records::Record>(tx: &mut Tx, id: Option<Uuid>) -> Result<Option<R>> {
    match id {
        Some(id) => match records::get::<R>(tx, id).await {
            Ok(r) => Ok(Some(r)),
            Err(DbError::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

/// Creates a record keeping the file's id when it is free; an id taken
/// (by any client: ids are global) gets the record a new one.
async fn create<F: RecordField>(tx: &mut Tx, id: Option<Uuid>, fields: Vec<F>) -> Result<Uuid> {
    let mut fields: Vec<Field> = fields.into_iter().map(Into::into).collect();
    fields.push(Field::new(
        "created_by_source",
        Value::Source(Source::Import),
    ));
    let view = <F::Record as records::Record>::VIEW;
    if let Some(id) = id {
        let mut with_id = fields.clone();
        with_id.push(Field::new("id", Value::Uuid(Some(id))));
        sqlx::query("SAVEPOINT keep_id").execute(tx.conn()).await?;
        match insert::<(Uuid,)>(tx, view, with_id, "id").await {
            Ok((id,)) => {
                sqlx::query("RELEASE SAVEPOINT keep_id")
                    .execute(tx.conn())
                    .await?;
                return Ok(id);
            }
            Err(DbError::Conflict(_)) => {
                sqlx::query("ROLLBACK TO SAVEPOINT keep_id")
                    .execute(tx.conn())
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
    let (id,) = insert::<(Uuid,)>(tx, view, fields, "id").await?;
    Ok(id)
}

/// The wanted fields whose value differs from the record's.
fn changed<F: PartialEq>(now: &[F], want: Vec<F>) -> Vec<F> {
    want.into_iter().filter(|f| !now.contains(f)).collect()
}

/// Writes the fields that differ from the record's; none is `Unchanged`.
async fn update<F: RecordField + PartialEq>(
    tx: &mut Tx,
    id: Uuid,
    now: &[F],
    want: Vec<F>,
) -> Result<Applied> {
    let changed = changed(now, want);
    if changed.is_empty() {
        return Ok(Applied::Done(Outcome::Unchanged, id));
    }
    records::update(tx, id, changed).await?;
    Ok(Applied::Done(Outcome::Updated, id))
}

/// Writes the operational fields that differ, as arlo; true when any did.
async fn as_arlo<F: RecordField + PartialEq>(
    tx: &mut Tx,
    id: Uuid,
    now: &[F],
    want: Vec<F>,
) -> Result<bool> {
    let changed = changed(now, want);
    if changed.is_empty() {
        return Ok(false);
    }
    let person = tx.actor();
    tx.act_as(Actor::Agent).await?;
    let written = records::update(tx, id, changed).await;
    tx.act_as(person).await?;
    written.map(|_| true)
}

/// The person's write and another change (arlo's, a stage move), as one
/// outcome.
fn both(person: Applied, other_changed: bool) -> Applied {
    match person {
        Applied::Done(Outcome::Unchanged, id) if other_changed => {
            Applied::Done(Outcome::Updated, id)
        }
        other => other,
    }
}

/// The company a line names: by id, domain or name; one named but not
/// found is created.
async fn company_of(
    tx: &mut Tx,
    c: &Cells,
    l: &mut Lookups,
    email: Option<&EmailAddress>,
) -> Result<Option<Uuid>> {
    if let Some(id) = id_of(c, Target::CompanyId)?.filter(|id| l.has_company(*id)) {
        return Ok(Some(id));
    }
    let domain = c.get(Target::CompanyDomain).and_then(normalise_domain);
    if let Some(found) = domain.as_deref().and_then(|d| l.company_by_domain(d)) {
        return Ok(Some(found));
    }
    if let Some(name) = c.get(Target::CompanyName) {
        if let Some(found) = l.company_by_name(name) {
            return Ok(Some(found));
        }
        let mut fields = vec![CompanyField::Name(name.to_string())];
        if let Some(d) = &domain {
            fields.push(CompanyField::Domain(Some(d.clone())));
        }
        let id = create(tx, None, fields).await?;
        l.company_added(id, name, domain.as_deref());
        return Ok(Some(id));
    }
    // No company column: the email's domain, when a company has it.
    let from_email = email.and_then(|e| normalise_domain(e.as_str().rsplit('@').next()?));
    Ok(from_email.and_then(|d| l.company_by_domain(&d)))
}

async fn contact(tx: &mut Tx, c: &Cells, l: &mut Lookups) -> Result<Applied> {
    use Target as T;
    let email = c
        .get(T::Email)
        .map(EmailAddress::parse)
        .transpose()
        .map_err(invalid)?;
    let (mut first, mut last) = (c.text(T::FirstName), c.text(T::LastName));
    if first.is_none() && last.is_none() {
        if let Some(full) = c.get(T::FullName) {
            let (f, s) = split_full_name(full);
            (first, last) = (Some(f), Some(s).filter(|s| !s.is_empty()));
        }
    }
    if first.is_none() && last.is_none() && email.is_none() {
        return Ok(Applied::Skipped("no name and no email".into()));
    }
    let phone = c.get(T::Phone).map(|p| match c.get(T::PhoneCallingCode) {
        Some(code) if !p.starts_with('+') => format!("{code} {p}"),
        _ => p.to_string(),
    });
    let priority = priority_of(c)?;
    let id = id_of(c, T::Id)?;
    let company = company_of(tx, c, l, email.as_ref()).await?;
    let mut want = Vec::new();
    want.extend(first.clone().map(ContactField::FirstName));
    want.extend(last.clone().map(ContactField::LastName));
    want.extend(email.clone().map(|e| ContactField::Email(Some(e))));
    want.extend(phone.map(|p| ContactField::Phone(Some(p))));
    want.extend(c.text(T::JobTitle).map(|v| ContactField::JobTitle(Some(v))));
    want.extend(c.text(T::City).map(|v| ContactField::City(Some(v))));
    want.extend(company.map(|v| ContactField::Company(Some(v))));
    want.extend(priority.map(|v| ContactField::Priority(Some(v))));
    want.extend(
        c.text(T::StrategyNote)
            .map(|v| ContactField::StrategyNote(Some(v))),
    );
    want.extend(
        c.text(T::RelationshipNote)
            .map(|v| ContactField::RelationshipNote(Some(v))),
    );
    let ops: Vec<ContactField> = c
        .text(T::Linkedin)
        .map(|v| ContactField::LinkedinUrl(Some(v)))
        .into_iter()
        .collect();

    let mut found = by_id::<Contact>(tx, id.filter(|id| l.has_contact(*id))).await?;
    if found.is_none() {
        let known = match &email {
            Some(e) => l.contact_by_email(e.as_str()),
            None => l.contact_by_name(
                first.as_deref().unwrap_or_default(),
                last.as_deref().unwrap_or_default(),
                company,
            ),
        };
        found = by_id::<Contact>(tx, known).await?;
    }
    match found {
        Some(now) => {
            // The same address in another case is the same address.
            let same = |e: &EmailAddress| {
                now.email
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(e.as_str()))
            };
            want.retain(|f| !matches!(f, ContactField::Email(Some(e)) if same(e)));
            let person = update(tx, now.id, &contact_fields(&now), want).await?;
            let arlo = as_arlo(
                tx,
                now.id,
                &[ContactField::LinkedinUrl(now.linkedin_url.clone())],
                ops,
            )
            .await?;
            Ok(both(person, arlo))
        }
        None => {
            let new = create(tx, id, want).await?;
            as_arlo(tx, new, &[], ops).await?;
            l.contact_added(
                new,
                email.as_ref().map(EmailAddress::as_str),
                first.as_deref().unwrap_or_default(),
                last.as_deref().unwrap_or_default(),
                company,
            );
            Ok(Applied::Done(Outcome::Created, new))
        }
    }
}

/// A contact's importable fields as they are.
fn contact_fields(c: &Contact) -> Vec<ContactField> {
    vec![
        ContactField::FirstName(c.first_name.clone()),
        ContactField::LastName(c.last_name.clone()),
        ContactField::Email(c.email.as_deref().and_then(|e| EmailAddress::parse(e).ok())),
        ContactField::Phone(c.phone.clone()),
        ContactField::JobTitle(c.job_title.clone()),
        ContactField::City(c.city.clone()),
        ContactField::Company(c.company_id),
        ContactField::Priority(c.priority),
        ContactField::StrategyNote(c.strategy_note.clone()),
        ContactField::RelationshipNote(c.relationship_note.clone()),
    ]
}

async fn company(tx: &mut Tx, c: &Cells, l: &mut Lookups) -> Result<Applied> {
    use Target as T;
    let Some(name) = c.text(T::Name) else {
        return Ok(Applied::Skipped("no company name".into()));
    };
    let domain = match c.get(T::Domain) {
        Some(d) => {
            Some(normalise_domain(d).ok_or_else(|| invalid(format!("“{d}” is not a domain")))?)
        }
        None => None,
    };
    let employees = c
        .get(T::Employees)
        .map(|s| {
            s.replace([',', ' '], "")
                .parse::<i32>()
                .map_err(|_| invalid(format!("“{s}” is not a number of employees")))
        })
        .transpose()?;
    let mut ops = Vec::new();
    ops.extend(employees.map(|v| CompanyField::Employees(Some(v))));
    ops.extend(c.text(T::Industry).map(|v| CompanyField::Industry(Some(v))));
    ops.extend(
        c.text(T::Linkedin)
            .map(|v| CompanyField::LinkedinUrl(Some(v))),
    );
    let icp = c
        .get(T::IdealCustomerProfile)
        .map(parse_flag)
        .transpose()
        .map_err(invalid)?;
    let mut want = vec![CompanyField::Name(name.clone())];
    want.extend(domain.clone().map(|d| CompanyField::Domain(Some(d))));
    want.extend(c.text(T::City).map(|v| CompanyField::City(Some(v))));
    want.extend(c.text(T::Country).map(|v| CompanyField::Country(Some(v))));
    want.extend(icp.map(CompanyField::IdealCustomerProfile));
    want.extend(priority_of(c)?.map(|v| CompanyField::Priority(Some(v))));
    want.extend(
        c.text(T::StrategyNote)
            .map(|v| CompanyField::StrategyNote(Some(v))),
    );

    let id = id_of(c, T::Id)?;
    let found = id
        .filter(|id| l.has_company(*id))
        .or_else(|| domain.as_deref().and_then(|d| l.company_by_domain(d)))
        .or_else(|| l.company_by_name(&name));
    match by_id::<Company>(tx, found).await? {
        Some(now) => {
            let found = now.id;
            let person = update(tx, found, &company_fields(&now), want).await?;
            let current = [
                CompanyField::Employees(now.employees),
                CompanyField::Industry(now.industry.clone()),
                CompanyField::LinkedinUrl(now.linkedin_url.clone()),
            ];
            Ok(both(person, as_arlo(tx, found, &current, ops).await?))
        }
        None => {
            let new = create(tx, id, want).await?;
            as_arlo(tx, new, &[], ops).await?;
            l.company_added(new, &name, domain.as_deref());
            Ok(Applied::Done(Outcome::Created, new))
        }
    }
}

fn company_fields(c: &Company) -> Vec<CompanyField> {
    vec![
        CompanyField::Name(c.name.clone()),
        CompanyField::Domain(c.domain.as_deref().and_then(normalise_domain)),
        CompanyField::City(c.city.clone()),
        CompanyField::Country(c.country.clone()),
        CompanyField::IdealCustomerProfile(c.ideal_customer_profile),
        CompanyField::Priority(c.priority),
        CompanyField::StrategyNote(c.strategy_note.clone()),
    ]
}
