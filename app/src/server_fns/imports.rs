//! CSV import from the cockpit: the file arrives through its own upload
//! route (`POST /import/upload`); these read an import, correct what its
//! columns mean, and start a run. A run is the task `import.run`, carried
//! out by the engine as the person who uploaded the file.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{
    import::{ImportSummary, ImportView},
    AppError,
};

/// Lines of a report a page shows.
#[cfg(feature = "ssr")]
const REPORT_LINES: i64 = 500;

#[server]
pub async fn load_imports() -> Result<Vec<ImportSummary>, AppError> {
    let (mut tx, _) = crate::ssr::session::human_read().await?;
    Ok(crate::ssr::db::imports::recent(&mut tx, 20).await?)
}

#[server]
pub async fn load_import(id: Uuid) -> Result<ImportView, AppError> {
    use crate::ssr::db::imports;
    let (mut tx, _) = crate::ssr::session::human_read().await?;
    let import = imports::get(&mut tx, id).await?;
    let report = match import.run {
        0 => None,
        run => Some(imports::report(&mut tx, id, run, REPORT_LINES).await?),
    };
    Ok(ImportView { import, report })
}

/// What each column means, from the matching form: one `columns[i]` per
/// column of the file, a target's name or empty for "ignore".
#[server]
pub async fn save_import_columns(id: Uuid, columns: Vec<String>) -> Result<(), AppError> {
    let mapping = columns
        .iter()
        .map(|c| match c.trim() {
            "" => Ok(None),
            t => crate::model::import::Target::parse(t)
                .map(Some)
                .ok_or_else(|| AppError::invalid("columns", "Choose what each column holds.")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mut tx, _) = crate::ssr::session::human_tx().await?;
    crate::ssr::db::imports::set_mapping(&mut tx, id, &mapping).await?;
    tx.commit().await?;
    Ok(())
}

/// Starts a dry run, or (`apply`) the import, as a task of the queue.
#[server]
pub async fn run_import(id: Uuid, apply: bool) -> Result<(), AppError> {
    use crate::ssr::db::{imports, tasks};
    use redkey_types::kinds::{ImportRun, TaskPayload};
    let (mut tx, me) = crate::ssr::session::human_tx().await?;
    imports::start(&mut tx, id, apply).await?;
    let payload = TaskPayload::ImportRun(ImportRun { import: id });
    let mut task = tasks::NewTask::typed("roles.crm", &payload, format!("user:{}", me.user));
    task.dedupe_key = Some(format!("import:{id}"));
    tasks::enqueue(&mut tx, &task).await?;
    tx.commit().await?;
    Ok(())
}
