//! The adapted views keep the main views' contract: the same columns,
//! classes and grants, one client's rows only, and the orders the lists walk.

use redkey_data::{records, twenty, ClientId, DbError};
use redkey_types::Contact;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

#[tokio::test]
async fn the_adapted_views_have_the_main_views_columns_classes_and_grants() {
    let (t, _, _) = attached().await;
    // Every crm view the adapter has, generated or static, against its main
    // twin (the search's views of its side table are its owner's alone).
    let views: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'redkey_twenty' AND c.relkind = 'v' AND c.relname LIKE 'crm\\_%' \
         ORDER BY 1",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    for expected in [
        "crm_contacts",
        "crm_companies",
        "crm_deals",
        "crm_notes",
        "crm_note_targets",
        "crm_todos",
        "crm_todo_targets",
        "crm_attachments",
        "crm_attachment_targets",
        "crm_activities",
        "crm_enrichment_lookups",
        "crm_sequence_contacts",
        "crm_email_sends",
        "crm_send_resolutions",
        "crm_trash",
    ] {
        assert!(views.iter().any(|v| v == expected), "{expected}: {views:?}");
    }
    for view in views.iter().map(String::as_str) {
        let columns = |schema: &'static str| {
            sqlx::query_as::<_, (String, String)>(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
                 WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass \
                   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            )
            .bind(schema)
            .bind(view)
            .fetch_all(&t.owner)
        };
        let main = columns("public").await.unwrap();
        assert!(main.len() >= 5, "{view}");
        assert_eq!(columns("redkey_twenty").await.unwrap(), main, "{view}");
        let grants = |schema: &'static str| {
            sqlx::query_as::<_, (String, String, String)>(
                "SELECT grantee::text, privilege_type::text, column_name::text \
                 FROM information_schema.column_privileges \
                 WHERE table_schema = $1 AND table_name = $2 AND grantee LIKE 'redkey\\_%' \
                 ORDER BY 1, 2, 3",
            )
            .bind(schema)
            .bind(view)
            .fetch_all(&t.owner)
        };
        let main = grants("public").await.unwrap();
        assert!(!main.is_empty(), "{view} grants columns");
        assert_eq!(grants("redkey_twenty").await.unwrap(), main, "{view}");
        // Every column has its class in the one policy both sets follow.
        let unclassed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_attribute a WHERE a.attrelid = format('redkey_twenty.%I', $1::text)::regclass \
               AND a.attnum > 0 AND NOT EXISTS (SELECT 1 FROM redkey_column_policy p \
               WHERE p.view_name = $1 AND p.column_name = a.attname)",
        )
        .bind(view)
        .fetch_one(&t.owner)
        .await
        .unwrap();
        assert_eq!(unclassed, 0, "{view}");
    }
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM _redkey_twenty_migrations ORDER BY version")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(versions.last().copied(), Some(twenty::migrator::latest()));
}

#[tokio::test]
async fn the_adapted_views_cannot_reach_another_workspace() {
    let (t, a, human) = attached().await;
    let b = ClientId(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = 'beta'")
            .fetch_one(&t.owner)
            .await
            .unwrap(),
    );
    t.twenty_workspace("workspace_b").await;
    twenty::attach(&t.owner, "workspace_b", "beta")
        .await
        .unwrap();
    let native = t.client("c").await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id;
         INSERT INTO workspace_b.person (\"nameFirstName\") VALUES ('Bob') RETURNING id;",
    )
    .await;
    let (ann, bob): (Uuid, Uuid) = (rows[0].get(0), rows[1].get(0));

    let t = &t;
    let names = |client: ClientId| async move {
        let mut tx = t.tx(client, human).await;
        let names: Vec<String> =
            sqlx::query_scalar("SELECT first_name FROM crm_contacts ORDER BY 1")
                .fetch_all(tx.conn())
                .await
                .unwrap();
        tx.commit().await.unwrap();
        names
    };
    assert_eq!(names(a).await, ["Ann"]);
    assert_eq!(names(b).await, ["Bob"]);
    assert_eq!(names(native).await, Vec::<String>::new());

    // Another workspace's id is not found; a row cannot be moved or made
    // there; Twenty's tables are not ours to read directly.
    let mut tx = t.tx(a, human).await;
    let missing = records::get::<Contact>(&mut tx, bob).await.unwrap_err();
    assert!(matches!(missing, DbError::NotFound), "{missing:?}");
    let n = sqlx::query("UPDATE crm_contacts SET first_name = 'X' WHERE id = $1")
        .bind(bob)
        .execute(tx.conn())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let e = sqlx::query("INSERT INTO crm_contacts (first_name, client_id) VALUES ('Y', $1)")
        .bind(b.0)
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(
        e.as_database_error().unwrap().code().as_deref(),
        Some("42501")
    );
    tx.rollback().await.unwrap();
    // Below the roles, the view's own trigger keeps a row in its client.
    let mut owner = t.owner_tx(a).await;
    let e = sqlx::query(
        "INSERT INTO redkey_twenty.crm_contacts (first_name, client_id) VALUES ('Y', $1)",
    )
    .bind(b.0)
    .execute(&mut *owner)
    .await
    .unwrap_err();
    assert_eq!(
        e.as_database_error().unwrap().code().as_deref(),
        Some("44000")
    );
    owner.rollback().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let e = sqlx::query("SELECT count(*) FROM workspace_b.person")
        .execute(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(
        e.as_database_error().unwrap().code().as_deref(),
        Some("42501")
    );
    tx.rollback().await.unwrap();
    let rows = as_twenty(
        t,
        &format!("SELECT \"nameFirstName\" FROM workspace_b.person WHERE id = '{bob}'"),
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "Bob");
    // And the other way round.
    let mut tx = t.tx(b, human).await;
    let missing = records::get::<Contact>(&mut tx, ann).await.unwrap_err();
    assert!(matches!(missing, DbError::NotFound), "{missing:?}");
}

/// The contacts list's and the deals table's name orders, a board column,
/// and a company page's people walk the indexes the adapter gives
/// Twenty's tables, through the views, instead of reading or sorting every
/// person or deal.
#[tokio::test]
async fn the_lists_the_board_and_a_companys_people_walk_twentys_tables_by_the_adapters_indexes() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\")
         SELECT 'P', 'Surname' || i FROM generate_series(1, 2000) i;
         INSERT INTO workspace_a.opportunity (name, stage, position)
         SELECT 'Deal ' || i, (enum_range(NULL::workspace_a.opportunity_stage_enum))[1 + i % 5], i
         FROM generate_series(1, 2000) i",
    )
    .await;
    sqlx::raw_sql("ANALYZE workspace_a.person; ANALYZE workspace_a.opportunity")
        .execute(&t.owner)
        .await
        .unwrap();
    let mut tx = t.tx(a, human).await;
    let plan = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
    let names =
        plan("EXPLAIN SELECT id FROM crm_contacts ORDER BY last_name, first_name, id LIMIT 51")
            .fetch_all(tx.conn())
            .await
            .unwrap()
            .join("\n");
    assert!(
        names.contains("redkey_person_last_name_first_name_id_order") && !names.contains("Sort"),
        "{names}"
    );
    let deals = plan("EXPLAIN SELECT id FROM crm_deals ORDER BY name, id LIMIT 51")
        .fetch_all(tx.conn())
        .await
        .unwrap()
        .join("\n");
    assert!(
        deals.contains("redkey_opportunity_name_id_order") && !deals.contains("Sort"),
        "{deals}"
    );
    // A column of the board, as `board::cards` asks for each: its first
    // cards walked in the index's order, found by our stage id, not every
    // deal of the stage read and sorted (the cards' companies are looked
    // up by id after the limit).
    let stage: uuid::Uuid = sqlx::query_scalar("SELECT stage_id FROM crm_pipeline LIMIT 1")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let column = sqlx::query_scalar::<_, String>(&format!(
        "EXPLAIN WITH x AS MATERIALIZED (SELECT d.id, d.company_id FROM crm_deals d \
         WHERE d.stage_id = '{stage}'::uuid ORDER BY d.stage_id, d.position, d.id LIMIT 25), \
         co AS (SELECT id, name FROM crm_companies WHERE id = ANY(ARRAY(SELECT company_id FROM x))) \
         SELECT x.id, co.name FROM x LEFT JOIN co ON co.id = x.company_id"
    ))
    .fetch_all(tx.conn())
    .await
    .unwrap()
    .join("\n");
    // A company's page: its people. (Its deals, and a contact's, are
    // record_pages' test, which the Twenty pass runs over the adapter.)
    let people = sqlx::query_scalar::<_, String>(&format!(
        "EXPLAIN SELECT id FROM crm_contacts WHERE company_id = '{}' \
         ORDER BY last_name, first_name, id",
        uuid::Uuid::new_v4()
    ))
    .fetch_all(tx.conn())
    .await
    .unwrap()
    .join("\n");
    tx.commit().await.unwrap();
    assert!(
        people.contains("redkey_person_company_id_last_name_first_name_id_order")
            && !people.contains("Seq Scan")
            && !people.contains("Sort"),
        "{people}"
    );
    assert!(
        column.contains("redkey_opportunity_stage_id_position_id_order")
            && !column.contains("Seq Scan on opportunity")
            && !column.contains("Sort"),
        "{column}"
    );
}
