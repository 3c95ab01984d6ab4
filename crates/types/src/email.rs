use serde::{Deserialize, Serialize};

/// An email address, checked once at the edge and trusted afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// An address typed by a person: surrounding spaces are dropped first.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_exact(raw.trim())
    }

    /// An address as a browser's email field accepts it (RFC 5322 atext and
    /// dots before the `@`, LDH labels after it) with a dot in the domain
    /// and the RFC's lengths; the domain is lowercased. Nothing is trimmed:
    /// the API's document states this grammar exactly.
    pub fn parse_exact(s: &str) -> Result<Self, String> {
        let err = || format!("{s:?} is not an email address");
        if s.len() > 254 {
            return Err(err());
        }
        let (local, domain) = s.split_once('@').ok_or_else(err)?;
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let ok = (1..=64).contains(&local.len())
            && local.chars().all(atext)
            && domain.contains('.')
            && domain.split('.').all(label_ok);
        if !ok {
            return Err(err());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Decoding JSON is exact (no trimming): what the API documents.
impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse_exact(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stored as text; a stored value that does not parse is a decode error.
#[cfg(feature = "ssr")]
mod sql {
    use sqlx::{
        encode::IsNull,
        error::BoxDynError,
        postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef},
        Decode, Encode, Postgres, Type,
    };

    use super::EmailAddress;

    impl Type<Postgres> for EmailAddress {
        fn type_info() -> PgTypeInfo {
            <str as Type<Postgres>>::type_info()
        }

        fn compatible(ty: &PgTypeInfo) -> bool {
            <str as Type<Postgres>>::compatible(ty)
        }
    }

    impl<'r> Decode<'r, Postgres> for EmailAddress {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(EmailAddress::parse(<&str as Decode<Postgres>>::decode(
                value,
            )?)?)
        }
    }

    impl Encode<'_, Postgres> for EmailAddress {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <&str as Encode<Postgres>>::encode(self.as_str(), buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        assert_eq!(
            EmailAddress::parse(" Ann.Lee@Example.COM ")
                .unwrap()
                .as_str(),
            "Ann.Lee@example.com"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "plain",
            "a@b",
            "@x.com",
            "a b@x.com",
            "a@x..com",
            "a@-x.com",
            "a@@x.com",
            "ü@x.com",
            "a@x_y.com",
            "a\"b@x.com",
            "a@x.com-",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        assert!(EmailAddress::parse_exact(" a@x.com").is_err());
        assert!(EmailAddress::parse_exact(&format!("{}@x.com", "a".repeat(65))).is_err());
        assert!(EmailAddress::parse_exact("o'brien+crm@mail.x-y.co").is_ok());
    }
}
