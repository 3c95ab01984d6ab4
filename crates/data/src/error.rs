use std::fmt;

/// Who owns a field: the contract in `docs/data-model.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldClass {
    Strategic,
    Operational,
    Identity,
    System,
}

impl FieldClass {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "strategic" => Self::Strategic,
            "operational" => Self::Operational,
            "identity" => Self::Identity,
            "system" => Self::System,
            _ => return None,
        })
    }
}

impl fmt::Display for FieldClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Strategic => "strategic",
            Self::Operational => "operational",
            Self::Identity => "identity",
            Self::System => "system",
        })
    }
}

/// Every way the data layer fails, mapped from Postgres in one place.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Missing, archived, or another client's: callers cannot tell which.
    #[error("not found")]
    NotFound,
    /// Postgres refused a column to the transaction's role (SQLSTATE 42501),
    /// and which one is known.
    #[error("{column} on {view} is {class}: {}", match class {
        FieldClass::Strategic => "only a person (or arlo carrying out their stored instruction) may change it",
        FieldClass::Operational => "arlo maintains it; people cannot change it",
        _ => "nobody may write it directly",
    })]
    FieldForbidden {
        view: &'static str,
        column: String,
        class: FieldClass,
    },
    #[error("permission denied: {0}")]
    Forbidden(String),
    /// A strategic change with neither a signed-in user nor an instruction.
    #[error("{0}")]
    NoAuthority(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Sql(sqlx::Error),
}

impl DbError {
    /// Maps a Postgres error by SQLSTATE and constraint name.
    pub fn from_sqlx(e: sqlx::Error) -> Self {
        let Some(db) = e.as_database_error() else {
            return match e {
                sqlx::Error::RowNotFound => Self::NotFound,
                other => Self::Sql(other),
            };
        };
        let code = db.code().unwrap_or_default().to_string();
        let constraint = db.constraint().unwrap_or_default().to_string();
        // Postgres' own words stay in the log: messages people read are ours.
        let message = db.message().to_string();
        let column = db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .and_then(|e| e.column())
            .map(String::from);
        match code.as_str() {
            "P0002" => Self::NotFound,
            "42501" => Self::Forbidden(message),
            "23514" if constraint == "opportunities_amount_range" => {
                Self::Invalid("an amount is at most 1,000,000,000,000".into())
            }
            "23514" if constraint == "saved_views_name_check" => {
                Self::Invalid("a view needs a name (at most 80 characters)".into())
            }
            "23514" => Self::Invalid(format!("a value is not allowed here ({constraint})")),
            "23502" => Self::Invalid(match column {
                Some(c) => format!("{c} is required"),
                None => "a required value is missing".into(),
            }),
            "22003" => Self::Invalid("a number is out of range".into()),
            "22P02" | "22007" | "22008" | "22023" => {
                Self::Invalid("a value is not in the form expected".into())
            }
            "RK001" => Self::NoAuthority(message),
            "RK002" => Self::Conflict(message),
            "23505" => Self::Conflict(match constraint.as_str() {
                "people_primary_email_unique" => "a contact with this email already exists".into(),
                "users_email_unique" => "a user with this email already exists".into(),
                "workspaces_slug_key" => "a client with this slug already exists".into(),
                "activities_workspace_id_external_key_key" => {
                    "this activity is already logged".into()
                }
                "sequence_contacts_one_active" => "the contact is already in this sequence".into(),
                "tasks_dedupe_open" => {
                    "a task with this dedupe key is already queued or running".into()
                }
                _ => format!("duplicate value ({constraint})"),
            }),
            // A reference to a row this client cannot see: same as missing.
            "23503" => Self::Invalid(format!("{} not found", referenced(&constraint))),
            "44000" => Self::Invalid("the row would leave the current client".into()),
            _ => Self::Sql(e),
        }
    }
}

fn referenced(constraint: &str) -> &'static str {
    if constraint.contains("company") {
        "company"
    } else if constraint.contains("stage") || constraint.contains("pipeline") {
        "stage"
    } else if constraint.contains("person") || constraint.contains("contact") {
        "contact"
    } else if constraint.contains("owner") {
        "owner"
    } else if constraint.contains("assignee") {
        "assignee"
    } else if constraint.contains("opportunity") || constraint.contains("deal") {
        "deal"
    } else {
        "referenced record"
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        Self::from_sqlx(e)
    }
}
