//! CSV import: what each column of a file means, guessed from its header
//! (Twenty's own export headers included) and corrected by a person, and
//! what an import did to each line.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{text_enum::text_enum, TableKind};

mod values;

pub use values::*;

text_enum! {
    /// What one column of an imported file holds.
    pub enum Target {
        Id = "id",
        Name = "name",
        FirstName = "first_name",
        LastName = "last_name",
        FullName = "full_name",
        Email = "email",
        Phone = "phone",
        PhoneCallingCode = "phone_calling_code",
        JobTitle = "job_title",
        City = "city",
        Country = "country",
        Linkedin = "linkedin_url",
        Domain = "domain",
        Employees = "employees",
        Industry = "industry",
        IdealCustomerProfile = "ideal_customer_profile",
        CompanyId = "company_id",
        CompanyName = "company_name",
        CompanyDomain = "company_domain",
        ContactId = "contact_id",
        ContactEmail = "contact_email",
        Amount = "amount",
        Currency = "currency",
        CloseDate = "close_date",
        Pipeline = "pipeline",
        Stage = "stage",
        Priority = "priority",
        StrategyNote = "strategy_note",
        RelationshipNote = "relationship_note",
    }
}

impl Target {
    pub fn label(self) -> &'static str {
        match self {
            Self::Id => "Id (keeps the record's id; matches it on re-import)",
            Self::Name => "Name",
            Self::FirstName => "First name",
            Self::LastName => "Last name",
            Self::FullName => "Full name (first word is the first name)",
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::PhoneCallingCode => "Phone calling code (+44)",
            Self::JobTitle => "Job title",
            Self::City => "City",
            Self::Country => "Country",
            Self::Linkedin => "LinkedIn URL",
            Self::Domain => "Domain or website",
            Self::Employees => "Employees",
            Self::Industry => "Industry",
            Self::IdealCustomerProfile => "Ideal customer profile (true/false)",
            Self::CompanyId => "Company id",
            Self::CompanyName => "Company name",
            Self::CompanyDomain => "Company domain",
            Self::ContactId => "Contact id",
            Self::ContactEmail => "Contact email",
            Self::Amount => "Amount",
            Self::Currency => "Currency (EUR, USD, ...)",
            Self::CloseDate => "Close date",
            Self::Pipeline => "Pipeline",
            Self::Stage => "Stage",
            Self::Priority => "Priority (low, medium, high, critical)",
            Self::StrategyNote => "Strategy note",
            Self::RelationshipNote => "Relationship note",
        }
    }

    /// The columns an import of `kind` understands.
    pub fn of(kind: TableKind) -> &'static [Target] {
        use Target::*;
        match kind {
            TableKind::Contacts => &[
                Id,
                FirstName,
                LastName,
                FullName,
                Email,
                Phone,
                PhoneCallingCode,
                JobTitle,
                City,
                Linkedin,
                CompanyId,
                CompanyName,
                CompanyDomain,
                Priority,
                StrategyNote,
                RelationshipNote,
            ],
            TableKind::Companies => &[
                Id,
                Name,
                Domain,
                City,
                Country,
                Employees,
                Industry,
                Linkedin,
                IdealCustomerProfile,
                Priority,
                StrategyNote,
            ],
            TableKind::Deals => &[
                Id,
                Name,
                Amount,
                Currency,
                CloseDate,
                Pipeline,
                Stage,
                CompanyId,
                CompanyName,
                ContactId,
                ContactEmail,
                Priority,
                StrategyNote,
            ],
        }
    }

    /// Headers meaning this column, as [`header_key`] spells them: the
    /// export headers of Twenty (pinned at commit ce262ffe, composite
    /// fields as `<Label> / <Sub label>`, relations as `<Label> Id`), then
    /// the usual words of other tools' exports.
    fn headers(self, kind: TableKind) -> &'static [&'static str] {
        use TableKind::*;
        match (self, kind) {
            (Self::Id, _) => &["id"],
            (Self::Name, Companies) => &["name", "companyname", "company", "organization"],
            (Self::Name, _) => &["name", "dealname", "opportunityname", "opportunity", "deal"],
            (Self::FirstName, _) => &["namefirstname", "firstname", "givenname", "first"],
            (Self::LastName, _) => &["namelastname", "lastname", "surname", "familyname", "last"],
            (Self::FullName, _) => &["name", "fullname", "contactname", "contact", "person"],
            (Self::Email, _) => &["emailsprimaryemail", "email", "emailaddress", "workemail"],
            (Self::Phone, _) => &["phonesprimaryphonenumber", "phone", "phonenumber", "mobile"],
            (Self::PhoneCallingCode, _) => &["phonesprimaryphonecallingcode", "callingcode"],
            (Self::JobTitle, _) => &["jobtitle", "title", "role"],
            (Self::City, _) => &["city", "addressaddresscity", "addresscity"],
            (Self::Country, _) => &["addressaddresscountry", "country", "addresscountry"],
            (Self::Linkedin, _) => &["linkedinlinkurl", "linkedin", "linkedinurl"],
            (Self::Employees, _) => &["employees", "headcount", "employeecount"],
            (Self::Industry, _) => &["industry"],
            (Self::Domain, _) => &[
                "domainnamelinkurl",
                "domain",
                "domainname",
                "website",
                "url",
            ],
            (Self::IdealCustomerProfile, _) => &["idealcustomerprofile", "icp"],
            (Self::CompanyId, _) => &["companyid"],
            (Self::CompanyName, _) => &["company", "companyname", "organization", "account"],
            (Self::CompanyDomain, _) => &["companydomain", "companywebsite", "website", "domain"],
            (Self::ContactId, _) => &["pointofcontactid", "contactid", "personid"],
            (Self::ContactEmail, _) => &["contactemail", "pointofcontactemail", "email"],
            (Self::Amount, _) => &["amountamount", "amount", "value", "dealvalue"],
            (Self::Currency, _) => &["amountcurrency", "currency", "currencycode"],
            (Self::CloseDate, _) => &["closedate", "expectedclosedate", "closingdate"],
            (Self::Pipeline, _) => &["pipeline"],
            (Self::Stage, _) => &["stage", "dealstage"],
            (Self::Priority, _) => &["priority"],
            (Self::StrategyNote, _) => &["strategynote", "strategy"],
            (Self::RelationshipNote, _) => &["relationshipnote", "relationship"],
        }
    }
}

/// A header as the guess compares it: lower-case letters and digits only
/// (`Emails / Primary Email` is `emailsprimaryemail`).
pub fn header_key(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The meaning of each column of a file of `kind`, guessed from its
/// headers: the first column whose header is one of a target's spellings
/// gets it, each target at most once; an exact spelling earlier in a
/// target's list wins over a later one, so Twenty's headers come first.
pub fn guess(kind: TableKind, headers: &[String]) -> Vec<Option<Target>> {
    let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
    let mut mapping = vec![None; headers.len()];
    // Rank every (column, target) pair by how early the header appears in
    // the target's list, then hand out the best pairs first.
    let mut pairs: Vec<(usize, usize, Target)> = Vec::new();
    for &target in Target::of(kind) {
        for (col, key) in keys.iter().enumerate() {
            if let Some(rank) = target.headers(kind).iter().position(|h| h == key) {
                pairs.push((rank, col, target));
            }
        }
    }
    pairs.sort_by_key(|&(rank, col, target)| {
        (
            rank,
            col,
            Target::of(kind).iter().position(|t| *t == target),
        )
    });
    let mut taken = Vec::new();
    for (_, col, target) in pairs {
        if mapping[col].is_none() && !taken.contains(&target) {
            mapping[col] = Some(target);
            taken.push(target);
        }
    }
    mapping
}

/// A mapping read back from a form or the database: each entry a target
/// this kind understands, or none; a target named twice is refused.
pub fn check_mapping(kind: TableKind, mapping: &[Option<Target>]) -> Result<(), String> {
    let mut seen = Vec::new();
    for t in mapping.iter().flatten() {
        if !Target::of(kind).contains(t) {
            return Err(format!(
                "{} is not a column of {}",
                t.label(),
                kind.as_str()
            ));
        }
        if seen.contains(t) {
            return Err(format!("two columns are both “{}”", t.label()));
        }
        seen.push(*t);
    }
    Ok(())
}

text_enum! {
    /// Where an import stands.
    pub enum ImportStatus {
        Uploaded = "uploaded",
        Checking = "checking",
        Checked = "checked",
        Importing = "importing",
        Imported = "imported",
        Failed = "failed",
    }
}

impl ImportStatus {
    pub fn running(self) -> bool {
        matches!(self, Self::Checking | Self::Importing)
    }
}

text_enum! {
    /// What a run did (or, in a dry run, would do) with one line.
    pub enum Outcome {
        Created = "created",
        Updated = "updated",
        Unchanged = "unchanged",
        Skipped = "skipped",
        Failed = "failed",
    }
}

/// An uploaded file and where its import stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub id: Uuid,
    pub kind: TableKind,
    pub file_name: String,
    pub total_rows: i32,
    pub headers: Vec<String>,
    /// A few first lines, to show beside each column while matching.
    pub samples: Vec<Vec<String>>,
    pub mapping: Vec<Option<Target>>,
    pub status: ImportStatus,
    pub run: i32,
    pub created_at: DateTime<Utc>,
}

/// What one run did with one line of the file (line 1 is the header).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LineOutcome {
    pub line: i32,
    pub outcome: Outcome,
    pub reason: Option<String>,
    pub record_id: Option<Uuid>,
}

/// How many lines of a run ended each way, and how many are done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
}

impl Tally {
    pub fn add(&mut self, outcome: Outcome, n: i64) {
        match outcome {
            Outcome::Created => self.created += n,
            Outcome::Updated => self.updated += n,
            Outcome::Unchanged => self.unchanged += n,
            Outcome::Skipped => self.skipped += n,
            Outcome::Failed => self.failed += n,
        }
    }

    pub fn done(&self) -> i64 {
        self.created + self.updated + self.unchanged + self.skipped + self.failed
    }
}

/// A run's report: its tally and the lines worth reading (created,
/// updated, skipped and failed ones; unchanged lines only count).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub tally: Tally,
    pub lines: Vec<LineOutcome>,
}

/// One of the client's imports, as the import page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ImportSummary {
    pub id: Uuid,
    pub kind: TableKind,
    pub file_name: String,
    pub status: ImportStatus,
    pub total_rows: i32,
    pub created_at: DateTime<Utc>,
}

/// An import's page: the file, its columns, and the current run's report
/// so far (none before the first run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportView {
    pub import: Import,
    pub report: Option<ImportReport>,
}

impl ImportView {
    /// How far the current run is, 0 to 100.
    pub fn percent(&self) -> i64 {
        let done = self.report.as_ref().map_or(0, |r| r.tally.done());
        match self.import.total_rows {
            0 => 100,
            total => (done * 100 / total as i64).min(100),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn twenty_people_export_headers_are_recognised() {
        let h = headers(&[
            "Id",
            "Name / First Name",
            "Name / Last Name",
            "Emails / Primary Email",
            "Emails / Additional Emails",
            "Phones / Primary Phone Number",
            "Phones / Primary Phone Calling Code",
            "Job Title",
            "City",
            "Linkedin / Link URL",
            "Company Id",
            "Created by / Source",
        ]);
        use Target::*;
        assert_eq!(
            guess(TableKind::Contacts, &h),
            vec![
                Some(Id),
                Some(FirstName),
                Some(LastName),
                Some(Email),
                None,
                Some(Phone),
                Some(PhoneCallingCode),
                Some(JobTitle),
                Some(City),
                Some(Linkedin),
                Some(CompanyId),
                None
            ]
        );
    }

    #[test]
    fn plain_headers_are_guessed_and_each_target_taken_once() {
        let h = headers(&["Full Name", "E-mail", "Company", "Website", "email"]);
        use Target::*;
        assert_eq!(
            guess(TableKind::Contacts, &h),
            vec![
                Some(FullName),
                Some(Email),
                Some(CompanyName),
                Some(CompanyDomain),
                None
            ]
        );
        let deals = headers(&[
            "Name",
            "Amount / Amount",
            "Amount / Currency",
            "Close date",
            "Stage",
            "Company",
        ]);
        assert_eq!(
            guess(TableKind::Deals, &deals),
            vec![
                Some(Name),
                Some(Amount),
                Some(Currency),
                Some(CloseDate),
                Some(Stage),
                Some(CompanyName)
            ]
        );
    }

    #[test]
    fn a_mapping_naming_a_target_twice_or_of_another_kind_is_refused() {
        use Target::*;
        assert!(check_mapping(TableKind::Contacts, &[Some(Email), None, Some(Email)]).is_err());
        assert!(check_mapping(TableKind::Contacts, &[Some(Amount)]).is_err());
        assert!(check_mapping(TableKind::Deals, &[Some(Amount), Some(Name), None]).is_ok());
    }
}
