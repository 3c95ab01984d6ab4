//! The one secret store: credentials (a mailbox password, a webhook
//! secret, an OAuth refresh token) sealed with XChaCha20-Poly1305 under a
//! key from `REDKEY_SECRET_KEY` before they reach the database, and bound
//! to the row they belong to, so a sealed value copied to another row does
//! not open. Each sealed value names its key; older keys listed in
//! `REDKEY_SECRET_KEYS_OLD` still open what they sealed until `redkey
//! secrets rotate` re-seals everything under the current key.

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use sha2::{Digest, Sha256};

/// "rk1" + key id (8) + nonce (24) + ciphertext.
const MAGIC: &[u8; 3] = b"rk1";
const ID: usize = 8;
const NONCE: usize = 24;

#[derive(Clone)]
struct Key {
    id: [u8; ID],
    cipher: XChaCha20Poly1305,
}

#[derive(Clone)]
pub struct SecretBox {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox")
            .field("current", &hex::encode(self.current.id))
            .field("previous", &self.previous.len())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a secret key is 32 bytes in base64 (openssl rand -base64 32)")]
    BadKey,
    #[error("the stored secret was sealed with a key this server does not have")]
    UnknownKey,
    #[error("the stored secret does not open (altered, or moved from another row)")]
    Corrupt,
}

fn key(encoded: &str) -> Result<Key, SecretError> {
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| SecretError::BadKey)?;
    if bytes.len() != 32 {
        return Err(SecretError::BadKey);
    }
    let digest = Sha256::digest(&bytes);
    let mut id = [0u8; ID];
    id.copy_from_slice(&digest[..ID]);
    Ok(Key {
        id,
        cipher: XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SecretError::BadKey)?,
    })
}

impl SecretBox {
    /// The current key and any older ones, each base64 of 32 bytes.
    pub fn new(current: &str, previous: &[&str]) -> Result<Self, SecretError> {
        Ok(Self {
            current: key(current)?,
            previous: previous.iter().map(|k| key(k)).collect::<Result<_, _>>()?,
        })
    }

    /// A fresh random key, base64 (for a private cluster's first start).
    pub fn generate_key() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS has randomness");
        STANDARD.encode(bytes)
    }

    /// Seals `plain` for the row `bound_to` (its id).
    pub fn seal(&self, plain: &str, bound_to: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).expect("the OS has randomness");
        let sealed = self
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: bound_to,
                },
            )
            .expect("sealing in memory does not fail");
        [MAGIC.as_slice(), &self.current.id, &nonce, &sealed].concat()
    }

    /// Opens what `seal` made for the same row.
    pub fn open(&self, sealed: &[u8], bound_to: &[u8]) -> Result<String, SecretError> {
        let head = MAGIC.len() + ID + NONCE;
        if sealed.len() < head || &sealed[..MAGIC.len()] != MAGIC {
            return Err(SecretError::Corrupt);
        }
        let id = &sealed[MAGIC.len()..MAGIC.len() + ID];
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or(SecretError::UnknownKey)?;
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(&sealed[MAGIC.len() + ID..head]),
                Payload {
                    msg: &sealed[head..],
                    aad: bound_to,
                },
            )
            .map_err(|_| SecretError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| SecretError::Corrupt)
    }

    /// Whether `sealed` was sealed with an older key.
    pub fn is_stale(&self, sealed: &[u8]) -> bool {
        sealed.get(MAGIC.len()..MAGIC.len() + ID) != Some(self.current.id.as_slice())
    }
}

/// Stores one of the product's own credentials, sealed (owner only).
pub async fn put_product(
    owner: &sqlx::PgPool,
    store: &SecretBox,
    name: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO product_secrets (name, sealed) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()",
    )
    .bind(name)
    .bind(store.seal(value, name.as_bytes()))
    .execute(owner)
    .await?;
    Ok(())
}

/// One of the product's own credentials, opened; None when not stored or
/// not openable with these keys.
pub async fn product(
    owner: &sqlx::PgPool,
    store: &SecretBox,
    name: &str,
) -> Result<Option<String>, sqlx::Error> {
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM product_secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(owner)
            .await?;
    Ok(sealed.and_then(|s| store.open(&s, name.as_bytes()).ok()))
}

/// Re-seals the product's credentials sealed with an older key.
pub async fn reseal_product(owner: &sqlx::PgPool, store: &SecretBox) -> Result<u64, sqlx::Error> {
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT name, sealed FROM product_secrets")
        .fetch_all(owner)
        .await?;
    let mut n = 0;
    for (name, sealed) in rows.into_iter().filter(|(_, s)| store.is_stale(s)) {
        if let Ok(plain) = store.open(&sealed, name.as_bytes()) {
            put_product(owner, store, &name, &plain).await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_row_and_keys() {
        let (k1, k2) = (SecretBox::generate_key(), SecretBox::generate_key());
        let old = SecretBox::new(&k1, &[]).unwrap();
        let sealed = old.seal("app-password", b"row-1");
        assert!(!String::from_utf8_lossy(&sealed).contains("app-password"));
        assert_eq!(old.open(&sealed, b"row-1").unwrap(), "app-password");
        assert_eq!(old.open(&sealed, b"row-2"), Err(SecretError::Corrupt));
        // Rotated: the old key still opens, the new one seals.
        let rotated = SecretBox::new(&k2, &[&k1]).unwrap();
        assert!(rotated.is_stale(&sealed));
        assert_eq!(rotated.open(&sealed, b"row-1").unwrap(), "app-password");
        let resealed = rotated.seal("app-password", b"row-1");
        assert!(!rotated.is_stale(&resealed));
        // Without the old key, what it sealed cannot be opened.
        let only_new = SecretBox::new(&k2, &[]).unwrap();
        assert_eq!(
            only_new.open(&sealed, b"row-1"),
            Err(SecretError::UnknownKey)
        );
        let mut altered = resealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(rotated.open(&altered, b"row-1"), Err(SecretError::Corrupt));
        assert_eq!(
            SecretBox::new("short", &[]).unwrap_err(),
            SecretError::BadKey
        );
    }
}
