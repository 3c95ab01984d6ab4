//! Page data as resources, read while the page is drawn on the server.
//! Pages are not hydrated (only islands are), so none of it is sent to the
//! browser again; an island's form reads a server function's answer with
//! the same codec ([`SliceJson`], one copy of each type's decoding).

use std::future::Future;

use leptos::{
    prelude::*,
    server::codee::{Decoder, Encoder},
};
use serde::{de::DeserializeOwned, Serialize};

use crate::model::AppError;

/// JSON written as text and read back as bytes, like a server function's.
pub struct SliceJson;

impl<T: Serialize> Encoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for SliceJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// What a page loads: its data, or the error to show instead.
pub type Loaded<T> = Resource<Result<T, AppError>, SliceJson>;

/// `Resource::new`, decoding with [`SliceJson`].
#[track_caller]
pub fn resource<S, T, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, SliceJson>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Me;

    /// What the server writes is what the browser reads back.
    #[test]
    fn answers_round_trip() {
        let value: Result<Option<u32>, AppError> = Err(AppError::invalid("name", "needed"));
        let text = <SliceJson as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Option<u32>, AppError> = SliceJson::decode(&text).unwrap();
        assert_eq!(back, value);
        let bad: Result<Result<Option<Me>, AppError>, _> = SliceJson::decode("{\"Ok\":");
        assert!(bad.is_err());
    }
}
