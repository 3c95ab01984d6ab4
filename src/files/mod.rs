//! Where uploaded files live, behind one trait: a local directory by
//! default. Also what a file is, read from its bytes (never from what the
//! browser claims), and a name safe to store and to send back.

mod s3;

pub use s3::S3Store;

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context};
use async_trait::async_trait;

/// Bytes by key (`<client id>/<file id>`).
#[async_trait]
pub trait FileStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()>;
    /// `None` when nothing is stored under `key`.
    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;
    /// Removes the bytes under `key`; nothing there is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// The keys directly under `prefix` (`backups/`), in no order.
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>>;
}

/// The store the settings name: their S3 bucket, else a directory (by
/// default under the data directory).
pub fn store(settings: &crate::config::Settings) -> anyhow::Result<std::sync::Arc<dyn FileStore>> {
    let cockpit = &settings.cockpit;
    Ok(match &cockpit.files_s3 {
        Some(s3) => std::sync::Arc::new(S3Store::new(s3)?),
        None => std::sync::Arc::new(LocalDir::new(
            cockpit
                .files_dir
                .clone()
                .unwrap_or_else(|| settings.database.data_dir.join("files")),
        )),
    })
}

/// Files under a directory, one per key.
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The key's path under the root; a key that would leave it is refused.
    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let relative = Path::new(key);
        if key.is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            bail!("file key {key:?} is not a plain relative path");
        }
        Ok(self.root.join(relative))
    }
}

#[async_trait]
impl FileStore for LocalDir {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().context("a key names a file")?;
        tokio::fs::create_dir_all(dir)
            .await
            .with_context(|| format!("creating {}", dir.display()))?;
        // Written whole under another name, then renamed: a crash never
        // leaves half a file under the key.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let dir = self.path(prefix.trim_end_matches('/'))?;
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut keys = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name().to_string_lossy().to_string();
            // Half-written files (`put`'s `.partial`) are not entries yet.
            if entry.file_type().await?.is_file() && !name.ends_with(".partial") {
                keys.push(format!("{}/{name}", prefix.trim_end_matches('/')));
            }
        }
        Ok(keys)
    }
}

/// The type of `bytes` from their magic numbers; text when they are UTF-8
/// without control characters (markup included); otherwise opaque bytes.
pub fn sniff(bytes: &[u8]) -> (String, &'static str) {
    // Markup is kept and served as text: nothing uploaded is ever a page
    // of the cockpit's origin.
    let markup = |m: &str| m.contains("html") || m.contains("xml");
    if let Some(t) = infer::get(bytes).filter(|t| !markup(t.mime_type())) {
        let category = match t.matcher_type() {
            _ if t.mime_type() == "application/pdf" => "TEXT_DOCUMENT",
            infer::MatcherType::Image => "IMAGE",
            infer::MatcherType::Audio => "AUDIO",
            infer::MatcherType::Video => "VIDEO",
            infer::MatcherType::Archive => "ARCHIVE",
            infer::MatcherType::Doc if t.mime_type().contains("sheet") => "SPREADSHEET",
            infer::MatcherType::Doc if t.mime_type().contains("presentation") => "PRESENTATION",
            infer::MatcherType::Doc => "TEXT_DOCUMENT",
            _ => "OTHER",
        };
        return (t.mime_type().to_string(), category);
    }
    let text = std::str::from_utf8(bytes)
        .is_ok_and(|s| !s.chars().any(|c| c.is_control() && !c.is_whitespace()));
    if text {
        ("text/plain".into(), "TEXT_DOCUMENT")
    } else {
        ("application/octet-stream".into(), "OTHER")
    }
}

/// The last part of a browser's file name, with only letters, digits,
/// spaces, dots, dashes and underscores kept, at most 200 characters.
pub fn safe_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_markup() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\a\\Q3 plan.pdf"), "Q3 plan.pdf");
        assert_eq!(safe_name("<img onerror=x>.png"), "_img onerror_x_.png");
        assert_eq!(safe_name("<b>chart</b>.png"), "b_.png");
        assert_eq!(safe_name(".htaccess"), "htaccess");
        assert_eq!(safe_name("///"), "file");
    }

    #[test]
    fn types_come_from_the_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png), ("image/png".into(), "IMAGE"));
        assert_eq!(
            sniff(b"%PDF-1.7\n"),
            ("application/pdf".into(), "TEXT_DOCUMENT")
        );
        assert_eq!(
            sniff(b"<html><script>x</script>"),
            ("text/plain".into(), "TEXT_DOCUMENT")
        );
        assert_eq!(
            sniff(&[0, 1, 2, 255]),
            ("application/octet-stream".into(), "OTHER")
        );
    }

    #[tokio::test]
    async fn a_key_never_leaves_the_directory() {
        let dir = std::env::temp_dir().join(format!("redkey-files-{}", std::process::id()));
        let store = LocalDir::new(&dir);
        store.put("a/b", b"bytes".to_vec()).await.unwrap();
        assert_eq!(
            store.get("a/b").await.unwrap().as_deref(),
            Some(&b"bytes"[..])
        );
        assert_eq!(store.get("a/c").await.unwrap(), None);
        for bad in ["../x", "/etc/passwd", "a/../../x", ""] {
            assert!(store.put(bad, vec![]).await.is_err(), "{bad}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
