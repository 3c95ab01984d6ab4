//! Password checks off the async workers: argon2 takes tens of
//! milliseconds of CPU, so a flood of sign-ins runs on the blocking pool,
//! at most one per core at once, and never stalls page rendering or
//! arlo's heartbeats.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use super::db::password;
use crate::model::AppError;

static AT_ONCE: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

pub async fn verify(given: String, hash: String) -> Result<bool, AppError> {
    let _turn = AT_ONCE.acquire().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(move || password::verify_password(&given, &hash))
        .await
        .map_err(|_| AppError::Internal)
}

/// A new password's hash, or why the password is refused (too short).
pub async fn hash(password: String) -> Result<String, AppError> {
    let _turn = AT_ONCE.acquire().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|why| AppError::invalid("new_password", why))
}
