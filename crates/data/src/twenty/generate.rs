//! The adapter's generated SQL: per adapted view, one branch per attached
//! workspace (each answering only its own client), and the INSTEAD OF
//! trigger that writes each column where it lives. Built from the catalog
//! as it is now, so a Twenty column that is gone reads as NULL and is
//! reported instead of breaking the view.

use std::collections::HashMap;
use std::fmt::Write;

use uuid::Uuid;

use super::mapping::{Object, Source};

/// A column as the catalog describes it.
#[derive(Clone, Debug)]
pub(crate) struct Col {
    pub ty: String,
    pub not_null: bool,
    pub default: Option<String>,
}

pub(crate) type Columns = HashMap<String, Col>;

pub(crate) struct Attached {
    pub client: Uuid,
    pub schema: String,
    pub pipeline: Uuid,
    /// Twenty's stage options this workspace has now, with our stage ids.
    pub stages: Vec<(String, Uuid)>,
    /// Twenty's table columns by table name.
    pub tables: HashMap<String, Columns>,
}

/// Our stage id of Twenty's stage `column` (an expression on the
/// opportunity row): a CASE over the workspace's options rather than a
/// join on the label, so an index on it can serve a column of the board
/// in position order.
pub(crate) fn stage_of(a: &Attached, column: &str) -> String {
    let Some(ty) = has(a, "opportunity", "stage").map(|c| c.ty.as_str()) else {
        return "NULL::uuid".into();
    };
    if a.stages.is_empty() {
        return "NULL::uuid".into();
    }
    let arms: Vec<String> = a
        .stages
        .iter()
        .map(|(label, id)| {
            format!(
                "WHEN {}::{ty} THEN {}::uuid",
                lit(label),
                lit(&id.to_string())
            )
        })
        .collect();
    format!("CASE {column} {} END", arms.join(" "))
}

/// Our main view's columns in order, and the extension table's columns.
pub(crate) struct Shape<'a> {
    pub native: &'a [(String, String)],
    pub ext: &'a Columns,
}

pub(crate) fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Whether Twenty's `column` of `object` is there in this workspace.
fn has<'a>(a: &'a Attached, table: &str, column: &str) -> Option<&'a Col> {
    a.tables.get(table).and_then(|t| t.get(column))
}

/// The view's SQL over every attached workspace; `missing` collects what
/// a workspace lacks, `unmapped` the main view's columns the adapter has
/// no source for.
pub(crate) fn view(
    o: &Object,
    shape: &Shape,
    all: &[Attached],
    missing: &mut Vec<String>,
    unmapped: &mut Vec<String>,
) -> String {
    let mut branches = vec![];
    for a in all {
        let client = lit(&a.client.to_string());
        let mut cols = vec![];
        for (name, ty) in shape.native {
            let source = o.columns.iter().find(|(n, _)| n == name).map(|(_, s)| s);
            let expr = match source {
                None => {
                    if !unmapped.contains(&format!("{}.{name}", o.view)) {
                        unmapped.push(format!("{}.{name}", o.view));
                    }
                    "NULL".to_string()
                }
                Some(Source::Twenty {
                    column,
                    read,
                    optional,
                    ..
                }) => match has(a, o.table, column) {
                    Some(_) => read.replace("{}", &format!("t.{}", q(column))),
                    None => {
                        if !optional {
                            missing.push(format!("{}.{}.{column}", a.schema, o.table));
                        }
                        "NULL".to_string()
                    }
                },
                Some(Source::Ext { read }) => read.replace("{}", &format!("e.{}", q(name))),
                Some(Source::Client) => client.clone(),
                Some(Source::Pipeline) => lit(&a.pipeline.to_string()),
                Some(Source::Stage) => stage_of(a, "t.\"stage\""),
                Some(Source::Expr(e)) => e.to_string(),
                Some(Source::Updated) => match (has(a, o.table, "updatedAt"), o.ext) {
                    (Some(_), Some(_)) => "greatest(t.\"updatedAt\", e.updated_at)".into(),
                    (Some(_), None) => "t.\"updatedAt\"".into(),
                    (None, Some(_)) => "e.updated_at".into(),
                    (None, None) => "now()".into(),
                },
            };
            cols.push(format!("({expr})::{ty} AS {}", q(name)));
        }
        let mut from = format!("FROM {}.{} t", q(&a.schema), q(o.table));
        if let Some(ext) = o.ext {
            write!(
                from,
                " LEFT JOIN redkey_twenty.{} e ON e.workspace_id = {client}::uuid AND e.id = t.id",
                q(ext)
            )
            .unwrap();
        }
        let mut filter = format!("{client}::uuid = redkey_client_id()");
        if has(a, o.table, "deletedAt").is_some() {
            filter.push_str(" AND t.\"deletedAt\" IS NULL");
        }
        branches.push(format!("SELECT {} {from} WHERE {filter}", cols.join(", ")));
    }
    // Not a security barrier: each branch is wholly one client's rows
    // behind a one-time filter on the client, so no other client's row is
    // read whatever a query's own conditions; and a barrier keeps Postgres
    // from walking Twenty's indexes for a page's order and limit.
    format!(
        "CREATE VIEW redkey_twenty.{} AS\n{}",
        q(o.view),
        branches.join("\nUNION ALL\n")
    )
}

/// `value` as a target column's type, its default when it is NULL and
/// the column may not be.
fn into(value: String, from_ty: &str, to: &Col) -> String {
    let cast = if from_ty == to.ty {
        value
    } else {
        format!("({value})::text::{}", to.ty)
    };
    match (&to.default, to.not_null) {
        (Some(d), true) => format!("coalesce({cast}, {d})"),
        _ => cast,
    }
}

/// The INSTEAD OF trigger function and trigger of an adapted view.
pub(crate) fn writer(o: &Object, shape: &Shape, all: &[Attached]) -> String {
    let ty_of = |name: &str| {
        shape
            .native
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or("text")
    };
    let mut body = String::new();
    for a in all {
        // (view column, Twenty column, its value from NEW)
        let mut tw: Vec<(&str, &str, &Col, String)> = vec![];
        let mut ext: Vec<(&str, &Col)> = vec![];
        let mut gone: Vec<(&str, &str)> = vec![];
        for (name, source) in o.columns {
            match source {
                Source::Twenty {
                    column,
                    write: true,
                    ..
                } => {
                    if has(a, o.table, column).is_none() {
                        gone.push((name, column));
                    }
                    if let Some(col) = has(a, o.table, column) {
                        let value = if *name == "created_by_source" {
                            "CASE NEW.created_by_source WHEN 'FORM' THEN 'API' \
                             ELSE NEW.created_by_source::text END"
                                .to_string()
                        } else {
                            format!("NEW.{}", q(name))
                        };
                        let from = if *name == "created_by_source" {
                            "text"
                        } else {
                            ty_of(name)
                        };
                        tw.push((name, column, col, into(value, from, col)));
                    }
                }
                Source::Stage => {
                    if let Some(col) = has(a, o.table, "stage") {
                        let value = "(SELECT st.label FROM redkey_twenty.stages st \
                                     WHERE st.workspace_id = client AND st.stage_id = NEW.stage_id)"
                            .to_string();
                        tw.push((name, "stage", col, into(value, "text", col)));
                    }
                }
                Source::Ext { .. } => {
                    if let Some(col) = shape.ext.get(*name) {
                        ext.push((name, col));
                    }
                }
                _ => {}
            }
        }
        let client = lit(&a.client.to_string());
        writeln!(body, "  IF client = {client}::uuid THEN").unwrap();
        if o.columns.iter().any(|(_, s)| matches!(s, Source::Pipeline)) {
            write!(
                body,
                "    IF (TG_OP = 'INSERT' OR ROW(NEW.pipeline_id, NEW.stage_id) IS DISTINCT FROM \
                 ROW(OLD.pipeline_id, OLD.stage_id)) AND (NEW.pipeline_id IS DISTINCT FROM \
                 {}::uuid OR NOT EXISTS (SELECT 1 FROM redkey_twenty.stages st \
                 WHERE st.workspace_id = client AND st.stage_id = NEW.stage_id)) THEN\n      \
                 RAISE EXCEPTION 'no such stage in this workspace''s pipeline' USING \
                 ERRCODE = '23503', CONSTRAINT = 'twenty_deal_stage';\n    END IF;\n",
                lit(&a.pipeline.to_string())
            )
            .unwrap();
        }
        for (follows, column, value) in o.derived {
            if let Some(col) = has(a, o.table, column) {
                tw.push((follows, column, col, into(value.to_string(), "text", col)));
            }
        }
        for (name, column) in &gone {
            write!(
                body,
                "    IF (TG_OP = 'INSERT' AND NEW.{n} IS NOT NULL) OR (TG_OP = 'UPDATE' AND \
                 NEW.{n} IS DISTINCT FROM OLD.{n}) THEN\n      RAISE EXCEPTION '{name} cannot \
                 be stored: this Twenty workspace has no {table}.{column} (run redkey twenty \
                 after-upgrade for the report)' USING ERRCODE = 'RK002';\n    END IF;\n",
                n = q(name),
                table = o.table,
            )
            .unwrap();
        }
        let table = format!("{}.{}", q(&a.schema), q(o.table));
        if !o.first.is_empty() {
            writeln!(body, "    {}", o.first.replace("{table}", &table)).unwrap();
        }
        for (name, column, constraint) in o.unique {
            if has(a, o.table, column).is_none() {
                continue;
            }
            let live = if has(a, o.table, "deletedAt").is_some() {
                " AND t.\"deletedAt\" IS NULL"
            } else {
                ""
            };
            write!(
                body,
                "    IF NEW.{n} IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.{n} IS DISTINCT FROM OLD.{n}) \
                 AND EXISTS (SELECT 1 FROM {table} t WHERE lower(t.{c}::text) = lower(NEW.{n}::text) \
                 AND t.id <> NEW.id{live}) THEN\n      RAISE EXCEPTION 'duplicate {name}' USING \
                 ERRCODE = '23505', CONSTRAINT = '{constraint}';\n    END IF;\n",
                n = q(name),
                c = q(column),
            )
            .unwrap();
        }
        let changing: Vec<&(&str, &str, &Col, String)> =
            tw.iter().filter(|(_, c, ..)| *c != "id").collect();
        if o.fills {
            let fills: Vec<String> = changing
                .iter()
                .map(|(_, c, _, v)| format!("{} = {v}", q(c)))
                .collect();
            write!(
                body,
                "    IF TG_OP = 'INSERT' THEN\n      UPDATE {table} SET {} WHERE id = NEW.id;\n",
                fills.join(", ")
            )
            .unwrap();
        } else {
            let names: Vec<String> = tw.iter().map(|(_, c, _, _)| q(c)).collect();
            let values: Vec<&str> = tw.iter().map(|(_, _, _, v)| v.as_str()).collect();
            write!(
                body,
                "    IF TG_OP = 'INSERT' THEN\n      INSERT INTO {table} ({}) VALUES ({});\n",
                names.join(", "),
                values.join(", ")
            )
            .unwrap();
        }
        let new_row: Vec<String> = changing
            .iter()
            .map(|(n, ..)| format!("NEW.{}", q(n)))
            .collect();
        let old_row: Vec<String> = changing
            .iter()
            .map(|(n, ..)| format!("OLD.{}", q(n)))
            .collect();
        let mut sets: Vec<String> = changing
            .iter()
            .map(|(n, c, _, v)| {
                format!(
                    "{} = CASE WHEN NEW.{n} IS DISTINCT FROM OLD.{n} THEN {v} ELSE {} END",
                    q(c),
                    q(c),
                    n = q(n)
                )
            })
            .collect();
        if has(a, o.table, "updatedAt").is_some() {
            sets.push("\"updatedAt\" = now()".into());
        }
        write!(
            body,
            "    ELSIF ROW({}) IS DISTINCT FROM ROW({}) THEN\n      UPDATE {table} SET {} WHERE id = OLD.id;\n    END IF;\n",
            new_row.join(", "),
            old_row.join(", "),
            sets.join(", ")
        )
        .unwrap();
        let ext_names: Vec<String> = ext.iter().map(|(n, _)| q(n)).collect();
        let ext_values: Vec<String> = ext
            .iter()
            .map(|(n, c)| into(format!("NEW.{}", q(n)), ty_of(n), c))
            .collect();
        let ext_new: Vec<String> = ext.iter().map(|(n, _)| format!("NEW.{}", q(n))).collect();
        let ext_old: Vec<String> = ext.iter().map(|(n, _)| format!("OLD.{}", q(n))).collect();
        let ext_sets: Vec<String> = ext
            .iter()
            .map(|(n, _)| format!("{} = EXCLUDED.{}", q(n), q(n)))
            .collect();
        if let Some(table) = o.ext.filter(|_| !ext.is_empty()) {
            write!(
                body,
                "    IF TG_OP = 'INSERT' OR ROW({}) IS DISTINCT FROM ROW({}) THEN\n      \
                 INSERT INTO redkey_twenty.{} (workspace_id, id, {}) VALUES (client, NEW.id, {})\n      \
                 ON CONFLICT (workspace_id, id) DO UPDATE SET {};\n    END IF;\n",
                ext_new.join(", "),
                ext_old.join(", "),
                q(table),
                ext_names.join(", "),
                ext_values.join(", "),
                ext_sets.join(", ")
            )
            .unwrap();
        }
        write!(
            body,
            "    SELECT v.* INTO NEW FROM redkey_twenty.{} v WHERE v.id = NEW.id;\n    RETURN NEW;\n  END IF;\n",
            q(o.view)
        )
        .unwrap();
    }
    let function = q(&format!("write_{}", o.view));
    format!(
        "CREATE FUNCTION redkey_twenty.{function}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $body$
DECLARE
  client uuid := redkey_client_id();
BEGIN
  NEW.client_id := coalesce(NEW.client_id, client);
  IF TG_OP = 'INSERT' THEN
    NEW.id := coalesce(NEW.id, gen_random_uuid());
  ELSIF NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'a row keeps its id' USING ERRCODE = '44000';
  END IF;
  IF NEW.client_id IS DISTINCT FROM client THEN
    RAISE EXCEPTION 'new row violates check option for view \"{view}\"' USING ERRCODE = '44000';
  END IF;
{body}  RAISE EXCEPTION 'this client is not attached to a Twenty workspace' USING ERRCODE = '44000';
END
$body$;
REVOKE ALL ON FUNCTION redkey_twenty.{function}() FROM PUBLIC;
CREATE TRIGGER write INSTEAD OF INSERT OR UPDATE ON redkey_twenty.{view_q}
  FOR EACH ROW EXECUTE FUNCTION redkey_twenty.{function}();",
        view = o.view,
        view_q = q(o.view)
    )
}
