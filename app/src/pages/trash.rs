//! The trash: archived contacts, companies, deals, notes, files and to-dos,
//! each restorable until arlo purges it. Plain forms: works without
//! JavaScript.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    components::ErrorNote,
    model::ArchivedKind,
    server_fns::trash::{load_trash, ArchiveRecord, RestoreRecord},
};

#[component]
pub fn TrashPage() -> impl IntoView {
    let restore = Posted::<RestoreRecord>::new();
    let data = resource(|| (), |_| load_trash());
    let error = move || {
        restore
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Trash" />
        <h1>"Trash"</h1>
        <p class="error" role="alert">{error}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok((items, days)) => view! {
                        <p class="hint">{format!("Archived records stay here {days} days, then arlo deletes them for good. Restoring puts a record back as it was.")}</p>
                        {items.is_empty().then(|| view! { <p class="empty">"The trash is empty."</p> })}
                        <div class="table-scroll">
                        <table class="trash">
                            <thead><tr><th scope="col">"What"</th><th scope="col">"Name"</th><th scope="col">"Archived"</th><th scope="col"><span class="visually-hidden">"Restore"</span></th></tr></thead>
                            <tbody>
                                {items.into_iter().map(|item| view! {
                                    <tr data-id=item.id.to_string()>
                                        <td>{item.kind.label()}</td>
                                        <td class="trash-label">{item.label.clone()}</td>
                                        <td>{crate::model::format::utc_minute(item.deleted_at)}</td>
                                        <td>
                                            <PostForm action=restore>
                                                <input type="hidden" name="kind" value=item.kind.as_str() />
                                                <input type="hidden" name="id" value=item.id.to_string() />
                                                <button type="submit" class="secondary" aria-label=format!("Restore {}", item.label)>"Restore"</button>
                                            </PostForm>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A button that archives the record (`kind` as `crm_archive` knows it).
#[component]
pub fn ArchiveButton(
    action: Posted<ArchiveRecord>,
    kind: ArchivedKind,
    id: Uuid,
    #[prop(into)] name: String,
) -> impl IntoView {
    view! {
        <PostForm action=action attr:class="archive">
            <input type="hidden" name="kind" value=kind.as_str() />
            <input type="hidden" name="id" value=id.to_string() />
            <button type="submit" class="secondary" aria-label=format!("Archive {name}")>"Archive"</button>
        </PostForm>
    }
}
