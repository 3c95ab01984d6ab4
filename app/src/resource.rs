//! Page data as resources that the browser decodes the way it decodes a
//! server function's answer.
//!
//! A page's data reaches the browser two ways: in the page's HTML, for
//! hydration (leptos' default codec reads it with `serde_json::from_str`),
//! and as a server function's answer on a later navigation (read with
//! `serde_json::from_slice`). Each reader is its own instantiation of every
//! `Deserialize` impl involved, so the wasm carried two copies of the
//! decoding of each page's types (BENCHMARKS.md, session 41). Reading the
//! hydration data as bytes too leaves one.
//!
//! The frame's own `Me` keeps leptos' codec: it is decoded in the first
//! module, and measured, reading it as bytes there drew 37 KB (gzipped) of
//! what the page groups share into that module, which every page pays.

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

    /// The page's hydration data: markup the page already holds is left
    /// out (see `ServerHtml`).
    fn encode(val: &T) -> Result<String, serde_json::Error> {
        crate::model::for_hydration(|| serde_json::to_string(val))
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

    /// What the server writes into the page is what the browser reads back.
    #[test]
    fn hydration_data_round_trips() {
        let value: Result<Option<u32>, AppError> = Err(AppError::invalid("name", "needed"));
        let text = <SliceJson as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Option<u32>, AppError> = SliceJson::decode(&text).unwrap();
        assert_eq!(back, value);
        let bad: Result<Result<Option<Me>, AppError>, _> = SliceJson::decode("{\"Ok\":");
        assert!(bad.is_err());
    }
}
