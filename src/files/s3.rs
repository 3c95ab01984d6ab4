//! Files in an S3-compatible store (Supabase Storage speaks S3) through
//! `object_store`, path-style so any endpoint works.

use async_trait::async_trait;
use object_store::{aws::AmazonS3Builder, path::Path, ObjectStore, PutPayload};
use secrecy::ExposeSecret;

use super::FileStore;
use crate::config::S3Settings;

pub struct S3Store {
    inner: object_store::aws::AmazonS3,
}

impl S3Store {
    pub fn new(s: &S3Settings) -> anyhow::Result<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(s.secret_access_key.expose_secret())
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &s.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        Ok(Self {
            inner: builder.build()?,
        })
    }
}

#[async_trait]
impl FileStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.inner
            .put(&Path::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self.inner.get(&Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        use futures::TryStreamExt;
        let prefix = Path::from(prefix.trim_end_matches('/'));
        let found: Vec<_> = self.inner.list(Some(&prefix)).try_collect().await?;
        Ok(found.into_iter().map(|m| m.location.to_string()).collect())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
