//! CSV import: upload a file (contacts, companies or deals), check what
//! each column means, see a dry run's report, then import. Works without
//! JavaScript: the upload is a plain form to its own route, a running
//! import's page reloads itself until the run ends.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::{
    components::ErrorNote,
    model::{
        import::{Import, ImportReport, ImportStatus, LineOutcome, Outcome, Target},
        TableKind,
    },
    server_fns::imports::{load_import, load_imports, RunImport, SaveImportColumns},
};

#[component]
pub fn ImportPage() -> impl IntoView {
    let list = resource(|| (), |_| load_imports());
    let query = use_query_map();
    let refused = move || query.get().get("upload_error");
    view! {
        <Title text="Import" />
        <h1>"Import"</h1>
        <section class="card" aria-labelledby="upload-heading">
            <h2 id="upload-heading">"Bring in a CSV file"</h2>
            <p>"Contacts, companies or deals — Twenty’s own exports included. Nothing changes until you have seen a dry run and chosen Import."</p>
            <p class="error" role="alert" id="upload-error">{refused}</p>
            <form class="upload filters" method="post" action="/import/upload" enctype="multipart/form-data">
                <label for="import-kind">"The file holds"</label>
                <select id="import-kind" name="kind">
                    {TableKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.as_str()}</option> }).collect_view()}
                </select>
                <label for="import-file">"CSV file (UTF-8)"</label>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv" required />
                <button type="submit" id="import-upload">"Upload"</button>
            </form>
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => view! {
                        <h2>"Recent imports"</h2>
                        <ul class="import-list">
                            {list.into_iter().map(|i| view! {
                                <li>
                                    <a href=format!("/import/{}", i.id)>{i.file_name}</a>
                                    {format!(" · {} · {} lines · {}", i.kind, i.total_rows, i.status)}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ImportFilePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").and_then(|s| s.parse::<Uuid>().ok());
    let save = Posted::<SaveImportColumns>::new();
    let run = Posted::<RunImport>::new();
    let data = resource(id, |id| async move {
        match id {
            Some(id) => load_import(id).await,
            None => Err(crate::model::AppError::NotFound),
        }
    });
    let error = move || {
        [
            save.value().get().and_then(|r| r.err()),
            run.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    view! {
        <Title text="Import" />
        <p><a href="/import">"← Imports"</a></p>
        <p class="error" role="alert" id="import-error">{error}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <h1>"Import"</h1><ErrorNote error=e /> }.into_any(),
                    Ok(v) => {
                        let percent = v.percent();
                        let i = v.import;
                        // A running import's page loads itself again.
                        let reload = i.status.running();
                        view! {
                            <h1>{format!("Import {}", i.file_name)}</h1>
                            <p id="import-status" data-status=i.status.as_str()>
                                {format!("{} · {} lines · {}", i.kind, i.total_rows, status_text(i.status))}
                            </p>
                            {reload.then(|| view! { <meta http-equiv="refresh" content="2" /> })}
                            {i.status.running().then(|| view! {
                                <label for="import-progress">{format!("{percent}% done")}</label>
                                <progress id="import-progress" max="100" value=percent>{format!("{percent}%")}</progress>
                            })}
                            <Columns import=i.clone() save />
                            <RunButtons import=i.clone() run />
                            {v.report.map(|r| view! { <Report report=r status=i.status kind=i.kind /> })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn status_text(s: ImportStatus) -> &'static str {
    match s {
        ImportStatus::Uploaded => "uploaded: check the columns, then run a dry run",
        ImportStatus::Checking => "dry run under way",
        ImportStatus::Checked => "dry run done: read the report, then import",
        ImportStatus::Importing => "importing",
        ImportStatus::Imported => "imported",
        ImportStatus::Failed => "the last run stopped (Arlo’s page says why): run it again",
    }
}

/// The column-matching step: each header, a few values, and what it holds.
#[component]
fn Columns(import: Import, save: Posted<SaveImportColumns>) -> impl IntoView {
    let running = import.status.running();
    let kind = import.kind;
    view! {
        <section class="card" aria-labelledby="columns-heading">
            <h2 id="columns-heading">"Columns"</h2>
            <PostForm action=save attr:class="import-columns">
                <input type="hidden" name="id" value=import.id.to_string() />
                <table>
                    <thead><tr><th scope="col">"Column"</th><th scope="col">"First values"</th><th scope="col">"Holds"</th></tr></thead>
                    <tbody>
                        {import.headers.iter().enumerate().map(|(c, header)| {
                            let samples = import.samples.iter().filter_map(|r| r.get(c)).filter(|v| !v.is_empty()).cloned().collect::<Vec<_>>().join(" · ");
                            let chosen = import.mapping.get(c).copied().flatten();
                            let select_id = format!("column-{c}");
                            view! {
                                <tr>
                                    <th scope="row"><label for=select_id.clone()>{header.clone()}</label></th>
                                    <td class="muted">{samples}</td>
                                    <td>
                                        <select id=select_id name=format!("columns[{c}]") disabled=running>
                                            <option value="" selected=chosen.is_none()>"Ignore"</option>
                                            {Target::of(kind).iter().map(|t| view! {
                                                <option value=t.as_str() selected=chosen == Some(*t)>{t.label()}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <button type="submit" class="secondary" id="save-columns" disabled=running>"Save columns"</button>
            </PostForm>
        </section>
    }
}

#[component]
fn RunButtons(import: Import, run: Posted<RunImport>) -> impl IntoView {
    let can_import = matches!(
        import.status,
        ImportStatus::Checked | ImportStatus::Imported
    );
    let running = import.status.running();
    let id = import.id.to_string();
    let again = id.clone();
    view! {
        <div class="filters">
            <PostForm action=run>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="apply" value="false" />
                <button type="submit" id="dry-run" class="secondary" disabled=running>"Dry run"</button>
            </PostForm>
            {can_import.then(move || view! {
                <PostForm action=run>
                    <input type="hidden" name="id" value=again />
                    <input type="hidden" name="apply" value="true" />
                    <button type="submit" id="run-import">{format!("Import {} lines", import.total_rows)}</button>
                </PostForm>
            })}
        </div>
    }
}

#[component]
fn Report(report: ImportReport, status: ImportStatus, kind: TableKind) -> impl IntoView {
    let dry = matches!(status, ImportStatus::Checking | ImportStatus::Checked);
    let t = &report.tally;
    let summary = if dry {
        format!(
            "Would create {}, update {}, leave {} unchanged; {} skipped, {} failed.",
            t.created, t.updated, t.unchanged, t.skipped, t.failed
        )
    } else {
        format!(
            "Created {}, updated {}, left {} unchanged; {} skipped, {} failed.",
            t.created, t.updated, t.unchanged, t.skipped, t.failed
        )
    };
    view! {
        <section class="card" aria-labelledby="report-heading">
            <h2 id="report-heading">{if dry { "Dry run" } else { "Import" }}</h2>
            <p id="import-summary">{summary}</p>
            <table class="import-report">
                <thead><tr><th scope="col">"Line"</th><th scope="col">"Outcome"</th><th scope="col">"Why"</th></tr></thead>
                <tbody>
                    {report.lines.into_iter().map(|l| view! { <ReportLine line=l kind dry /> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn ReportLine(line: LineOutcome, kind: TableKind, dry: bool) -> impl IntoView {
    let outcome = line.outcome.as_str();
    // A dry run's records were never kept: nothing to link to.
    let link = match (line.record_id, dry, line.outcome) {
        (Some(id), false, Outcome::Created | Outcome::Updated) => {
            Some(format!("{}/{id}", kind.path()))
        }
        _ => None,
    };
    view! {
        <tr data-line=line.line data-outcome=outcome>
            <td>{line.line}</td>
            <td>{match link {
                Some(href) => view! { <a href=href>{outcome}</a> }.into_any(),
                None => outcome.into_any(),
            }}</td>
            <td>{line.reason.unwrap_or_default()}</td>
        </tr>
    }
}
