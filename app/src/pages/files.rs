//! The files panel of a contact, company or deal: a plain multipart form
//! (works without JavaScript; a refusal comes back in `upload_error`),
//! the list with size and uploader, images and PDFs shown inline.

use crate::components::Posted;
use crate::resource::{resource, Loaded};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    components::ErrorNote,
    model::{AppError, ArchivedKind, FileItem, FileList},
    pages::trash::ArchiveButton,
    server_fns::{files::files_for, trash::ArchiveRecord},
};

/// `1234567` -> `1.2 MB`.
fn size(bytes: Option<i64>) -> String {
    match bytes.unwrap_or(0) {
        b if b < 1024 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
    }
}

/// A record's files and the archive action, made once by the record page
/// (see `panels`).
#[derive(Clone, Copy)]
pub struct FilesState {
    kind: &'static str,
    archive: Posted<ArchiveRecord>,
    data: Loaded<FileList>,
}

impl FilesState {
    pub fn new(
        kind: &'static str,
        id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
    ) -> Self {
        let archive = Posted::<ArchiveRecord>::new();
        let data = resource(id, move |id| async move {
            files_for(kind.to_string(), id.ok_or(AppError::NotFound)?).await
        });
        Self {
            kind,
            archive,
            data,
        }
    }
}

#[component]
pub fn FilesPanel(state: FilesState, id: Uuid) -> impl IntoView {
    let FilesState {
        kind,
        archive,
        data,
    } = state;
    let query = use_query_map();
    let refused = move || query.get().get("upload_error");
    view! {
        <section class="card files" aria-labelledby="files-heading">
            <h2 id="files-heading">"Files"</h2>
            <p class="error" role="alert" id="upload-error">{refused}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) => view! {
                            <form class="upload" method="post" action="/files/upload" enctype="multipart/form-data">
                                <input type="hidden" name="kind" value=kind />
                                <input type="hidden" name="id" value=id.to_string() />
                                <label for="file">{format!("Add a file (up to {} MB)", list.max_bytes >> 20)}</label>
                                <input id="file" name="file" type="file" required />
                                <button type="submit" id="upload" class="secondary">"Upload"</button>
                            </form>
                            <ul class="file-list">
                                {list.files.into_iter().map(|f| view! { <FileRow file=f archive /> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FileRow(file: FileItem, archive: Posted<ArchiveRecord>) -> impl IntoView {
    let href = format!("/files/{}", file.id);
    let preview = match file.previewable() {
        Some("image") => Some(
            view! { <img class="preview" src=href.clone() alt=format!("Preview of {}", file.name) loading="lazy" /> }
                .into_any(),
        ),
        Some(_) => Some(
            view! { <iframe class="preview" src=href.clone() title=format!("Preview of {}", file.name)></iframe> }
                .into_any(),
        ),
        None => None,
    };
    view! {
        <li class="file" data-id=file.id.to_string()>
            <a class="file-name" href=href rel="external">{file.name.clone()}</a>
            <span class="file-meta">
                {format!(
                    "{} · {} · {}",
                    size(file.size_bytes),
                    file.uploader.clone().unwrap_or_else(|| "unknown".into()),
                    file.created_at.format("%Y-%m-%d"),
                )}
            </span>
            <ArchiveButton action=archive kind=ArchivedKind::Attachment id=file.id name=file.name.clone() />
            {preview}
        </li>
    }
}
