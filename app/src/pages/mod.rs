pub mod contacts;
pub mod coverage;
pub mod editing;
pub mod home;
pub mod not_found;
pub mod pipeline;
pub mod records;
pub mod sign_in;
