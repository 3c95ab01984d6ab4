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
