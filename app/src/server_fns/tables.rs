//! The companies and deals tables, and saved views of every table.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{
    AppError, CompanyFilter, CompanyTable, DealFilter, DealTable, SavedView, TableKind,
};

/// Rows per page of the companies and deals tables.
pub const TABLE_PAGE: i64 = 50;

/// Cuts a page of `size` fetched one row long: the rows shown and the
/// cursor of the next page when the extra row was there.
#[cfg(feature = "ssr")]
pub(crate) fn paged<T>(
    mut rows: Vec<T>,
    size: i64,
    id: impl Fn(&T) -> Uuid,
) -> (Vec<T>, Option<Uuid>) {
    let next = (rows.len() as i64 > size).then(|| {
        rows.truncate(size as usize);
        rows.last().map(&id)
    });
    (rows, next.flatten())
}

#[server]
pub async fn companies_table(
    filter: CompanyFilter,
    after: Option<Uuid>,
) -> Result<CompanyTable, AppError> {
    use crate::ssr::{db, session::human_read};
    use std::collections::HashMap;

    let (mut tx, _) = human_read().await?;
    let after = db::records::cursor::<crate::model::Company>(&mut tx, after).await?;
    let list = db::tables::companies(&mut tx, &filter, after.as_ref(), TABLE_PAGE + 1).await?;
    let (list, next) = paged(list, TABLE_PAGE, |c| c.id);
    let members = db::member_choices(&mut tx).await?;
    let names: HashMap<Uuid, &str> = members.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let rows: Vec<_> = list
        .into_iter()
        .map(|c| {
            let owner = c.account_owner_id.and_then(|o| names.get(&o).copied());
            (c, owner)
        })
        .collect();
    Ok(CompanyTable {
        rows_html: crate::pages::rows_html::companies(&rows),
        members,
        next,
    })
}

#[server]
pub async fn deals_table(filter: DealFilter, after: Option<Uuid>) -> Result<DealTable, AppError> {
    use crate::pages::rows_html::{self, DealLine};
    use crate::ssr::{db, session::human_read};
    use std::collections::HashMap;

    let (mut tx, _) = human_read().await?;
    let after = db::records::cursor::<crate::model::Deal>(&mut tx, after).await?;
    let list = db::tables::deals(&mut tx, &filter, after.as_ref(), TABLE_PAGE + 1).await?;
    let (list, next) = paged(list, TABLE_PAGE, |d| d.id);
    let all = db::pipeline::stages(&mut tx).await?;
    let pipelines = crate::model::pipelines_of(&all);
    let stage_names: HashMap<Uuid, String> = all
        .iter()
        .map(|s| (s.stage_id, s.stage_name.clone()))
        .collect();
    // The stage choices: the chosen pipeline's, or every stage named with
    // its pipeline when there are several.
    let stages = all
        .iter()
        .filter(|s| filter.pipeline.is_none_or(|p| p == s.pipeline_id))
        .map(|s| match (filter.pipeline, pipelines.len()) {
            (None, n) if n > 1 => (
                s.stage_id,
                format!("{} · {}", s.pipeline_name, s.stage_name),
            ),
            _ => (s.stage_id, s.stage_name.clone()),
        })
        .collect();
    let members = db::member_choices(&mut tx).await?;
    let owners: HashMap<Uuid, String> = members.iter().cloned().collect();
    let companies = db::companies::names(&mut tx, list.iter().filter_map(|d| d.company_id)).await?;
    let lines: Vec<_> = list
        .iter()
        .map(|d| DealLine {
            deal: d,
            stage: stage_names.get(&d.stage_id).map_or("", String::as_str),
            company: d
                .company_id
                .and_then(|c| companies.get(&c))
                .map(String::as_str),
            owner: d.owner_id.and_then(|o| owners.get(&o)).map(String::as_str),
        })
        .collect();
    Ok(DealTable {
        rows_html: rows_html::deals(&lines),
        pipelines,
        stages,
        members,
        next,
    })
}

/// The views of a table the signed-in person may use.
#[server]
pub async fn views_of(kind: TableKind) -> Result<Vec<SavedView>, AppError> {
    use crate::ssr::{db, session::human_read};
    let (mut tx, _) = human_read().await?;
    Ok(db::saved_views::of(&mut tx, kind).await?)
}

/// Saves the table's current filters under `name` (the person's own view
/// of that name is replaced). The query is read and written back by the
/// table's filter, so only what the table understands is kept.
#[server]
pub async fn save_view(
    kind: TableKind,
    name: String,
    query: String,
    shared: Option<String>,
) -> Result<(), AppError> {
    use crate::model::{ContactFilter, TableFilter};
    use crate::ssr::{db, session::human_tx};
    let query = match kind {
        TableKind::Contacts => ContactFilter::from_query(&query).query(),
        TableKind::Companies => CompanyFilter::from_query(&query).query(),
        TableKind::Deals => DealFilter::from_query(&query).query(),
    };
    let (mut tx, _) = human_tx().await?;
    db::saved_views::save(&mut tx, kind, &name, &query, shared.is_some()).await?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn delete_view(id: Uuid) -> Result<(), AppError> {
    use crate::ssr::{db, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    db::saved_views::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}
