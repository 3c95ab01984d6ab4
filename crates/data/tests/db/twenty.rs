//! The Twenty adapter over a workspace schema built to Twenty's shape:
//! the same view contract as the main set, Twenty's own writes seen by the
//! cockpit and its board totals, strategic changes kept off Twenty's rows,
//! workspaces kept apart, and the upgrade hooks.

use redkey_data::{
    contacts::ContactField, deals, notes, records, twenty, Actor, ClientId, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{Contact, Priority};
use sqlx::Row;
use uuid::Uuid;

/// A database with client `a` attached to workspace schema `workspace_a`.
async fn attached() -> (TestDb, ClientId, Actor) {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    t.twenty_workspace("workspace_a").await;
    let report = twenty::attach(&t.owner, "workspace_a", "alpha")
        .await
        .unwrap();
    assert_eq!(report.missing, Vec::<String>::new());
    assert_eq!(report.unmapped, Vec::<String>::new());
    (t, a, human)
}

/// Runs `sql` as Twenty's own connection would.
async fn as_twenty(t: &TestDb, sql: &str) -> Vec<sqlx::postgres::PgRow> {
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE twenty_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::raw_sql(sql).fetch_all(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    rows
}

async fn stage_totals(t: &TestDb, client: ClientId, actor: Actor) -> Vec<(String, i64, i64)> {
    let mut tx = t.tx(client, actor).await;
    let rows = sqlx::query_as(
        "SELECT stage_name, deal_count, amount_units FROM crm_pipeline ORDER BY stage_position",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

#[tokio::test]
async fn the_adapted_views_have_the_main_views_columns_classes_and_grants() {
    let (t, _, _) = attached().await;
    for view in [
        "crm_contacts",
        "crm_companies",
        "crm_deals",
        "crm_notes",
        "crm_note_targets",
        "crm_todos",
        "crm_todo_targets",
        "crm_activities",
        "crm_enrichment_lookups",
    ] {
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
        assert!(main.len() > 6, "{view}");
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
async fn a_row_twenty_writes_appears_in_the_cockpit_and_moves_the_totals() {
    let (t, a, human) = attached().await;
    assert!(stage_totals(&t, a, human).await.iter().all(|s| s.1 == 0));
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.company (name) VALUES ('Globex') RETURNING id;
         INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\", \"companyId\")
           SELECT 'Hank', 'Scorpio', 'hank@globex.test', id FROM workspace_a.company RETURNING id;
         INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", \"amountCurrencyCode\", stage, \"pointOfContactId\")
           SELECT 'Doomsday device', 5000000000, 'USD', 'SCREENING', id FROM workspace_a.person RETURNING id;",
    )
    .await;
    let person: Uuid = rows[1].get(0);
    let deal: Uuid = rows[2].get(0);

    let mut tx = t.tx(a, human).await;
    let c: Contact = records::get(&mut tx, person).await.unwrap();
    assert_eq!(
        (c.first_name.as_str(), c.last_name.as_str()),
        ("Hank", "Scorpio")
    );
    assert_eq!(c.email.as_deref(), Some("hank@globex.test"));
    assert_eq!(c.job_title, None, "Twenty's '' is no job title");
    let (stage, company): (Uuid, String) = sqlx::query_as(
        "SELECT d.stage_id, co.name FROM crm_deals d JOIN crm_companies co ON true WHERE d.id = $1",
    )
    .bind(deal)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(company, "Globex");
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(totals[1], ("Screening".into(), 1, 5000));

    // Twenty moves it, then soft-deletes it: the totals follow.
    as_twenty(&t, "UPDATE workspace_a.opportunity SET stage = 'PROPOSAL', \"amountAmountMicros\" = 7000000000").await;
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(
        (totals[1].1, totals[3].clone()),
        (0, ("Proposal".into(), 1, 7000))
    );
    let mut tx = t.tx(a, human).await;
    let moved: Uuid = sqlx::query_scalar("SELECT stage_id FROM crm_deals WHERE id = $1")
        .bind(deal)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_ne!(moved, stage);
    as_twenty(
        &t,
        "UPDATE workspace_a.opportunity SET \"deletedAt\" = now()",
    )
    .await;
    assert!(stage_totals(&t, a, human)
        .await
        .iter()
        .all(|s| s.1 == 0 && s.2 == 0));

    // The cockpit's own move lands in Twenty's stage column.
    as_twenty(
        &t,
        "UPDATE workspace_a.opportunity SET \"deletedAt\" = NULL",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    deals::move_to(&mut tx, deal, stage, 0).await.unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT stage::text FROM workspace_a.opportunity").await;
    assert_eq!(rows[0].get::<String, _>(0), "SCREENING");
    assert_eq!(stage_totals(&t, a, human).await[1].1, 1);
}

#[tokio::test]
async fn a_strategic_change_stays_off_twentys_row_and_follows_the_field_rules() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"jobTitle\") VALUES ('Ann', 'CTO')
         RETURNING id, \"updatedAt\"::text",
    )
    .await;
    let (person, stamped): (Uuid, String) = (rows[0].get(0), rows[0].get(1));

    let mut tx = t.tx(a, human).await;
    let c: Contact = records::update(
        &mut tx,
        person,
        vec![
            ContactField::Priority(Some(Priority::High)),
            ContactField::StrategyNote(Some("land the pilot".into())),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.priority, Some(Priority::High));
    assert_eq!(c.first_name, "Ann");

    let rows = as_twenty(
        &t,
        "SELECT \"nameFirstName\", \"jobTitle\", \"updatedAt\"::text FROM workspace_a.person",
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "Ann");
    assert_eq!(rows[0].get::<String, _>(1), "CTO");
    assert_eq!(
        rows[0].get::<String, _>(2),
        stamped,
        "Twenty's row is untouched"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM field_changes WHERE row_id = $1 AND column_name = 'priority'",
    )
    .bind(person)
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // Arlo alone may not: Postgres refuses the column to its role.
    let mut tx = t.tx(a, Actor::Agent).await;
    let refused = records::update(
        &mut tx,
        person,
        vec![ContactField::StrategyNote(Some("mine".into()))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(refused, DbError::FieldForbidden { .. }),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    // ...while its operational fields go to the extension table, and a
    // person's edit of a Twenty field goes to Twenty's row.
    let mut tx = t.tx(a, Actor::Agent).await;
    records::update(&mut tx, person, vec![ContactField::OpenCount(3)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    records::update(
        &mut tx,
        person,
        vec![ContactField::JobTitle(Some("CEO".into()))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT \"jobTitle\" FROM workspace_a.person").await;
    assert_eq!(rows[0].get::<String, _>(0), "CEO");

    // A contact the cockpit creates is Twenty's row too.
    let mut tx = t.tx(a, human).await;
    let made: Contact = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Bea".into()),
            ContactField::Email(Some(
                redkey_types::EmailAddress::parse("bea@x.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(
        &t,
        &format!(
            "SELECT \"emailsPrimaryEmail\", \"jobTitle\" FROM workspace_a.person WHERE id = '{}'",
            made.id
        ),
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "bea@x.test");
    assert_eq!(rows[0].get::<String, _>(1), "");
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
    let _ = ann;
}

#[tokio::test]
async fn the_upgrade_hooks_survive_a_renamed_column_and_a_changed_type() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"jobTitle\", city) VALUES ('Ann', 'CTO', 'Oslo');
         INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", stage) VALUES ('Pilot', 2000000, 'MEETING');",
    )
    .await;
    // Without the hook, the views pin the column's type.
    let pinned = sqlx::raw_sql("ALTER TABLE workspace_a.person ALTER COLUMN city TYPE text")
        .execute(&t.owner)
        .await
        .unwrap_err();
    assert_eq!(
        pinned.as_database_error().unwrap().code().as_deref(),
        Some("0A000")
    );

    assert_eq!(twenty::before_upgrade(&t.owner).await.unwrap(), 1);
    // "The upgrade": a rename, two type changes, and a new stage option.
    sqlx::raw_sql(
        "ALTER TABLE workspace_a.person ALTER COLUMN city TYPE text;
         ALTER TABLE workspace_a.person RENAME COLUMN \"jobTitle\" TO \"jobPosition\";
         ALTER TABLE workspace_a.opportunity ALTER COLUMN \"amountAmountMicros\" TYPE bigint;
         ALTER TYPE workspace_a.opportunity_stage_enum ADD VALUE 'NEGOTIATION' BEFORE 'CUSTOMER';",
    )
    .execute(&t.owner)
    .await
    .unwrap();
    // As if an older adapter, which did not map tasks, had attached it.
    sqlx::raw_sql("REVOKE ALL ON workspace_a.task FROM redkey_owner")
        .execute(&t.owner)
        .await
        .unwrap();
    let report = twenty::after_upgrade(&t.owner).await.unwrap();
    assert_eq!(report.missing, ["workspace_a.person.jobTitle"]);
    let mut tx = t.tx(a, human).await;
    let todos: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_todos")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(todos, 0, "tasks are granted again");
    tx.commit().await.unwrap();
    assert_eq!(report.attached, 1);

    let mut tx = t.tx(a, human).await;
    let (job, city): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT job_title, city FROM crm_contacts")
            .fetch_one(tx.conn())
            .await
            .unwrap();
    assert_eq!((job, city.as_deref()), (None, Some("Oslo")));
    tx.commit().await.unwrap();
    let totals = stage_totals(&t, a, human).await;
    assert_eq!(totals[2], ("Meeting".into(), 1, 2));
    assert!(totals.iter().any(|s| s.0 == "Negotiation"));
    // Writes still land; the column that is gone is refused, not lost.
    let mut tx = t.tx(a, human).await;
    let id: Uuid = sqlx::query_scalar("SELECT id FROM crm_contacts")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let refused = records::update(
        &mut tx,
        id,
        vec![ContactField::JobTitle(Some("CEO".into()))],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, DbError::Conflict(m) if m.contains("person.jobTitle")),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, human).await;
    records::update(&mut tx, id, vec![ContactField::City(Some("Bergen".into()))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(&t, "SELECT city, \"jobPosition\" FROM workspace_a.person").await;
    assert_eq!(rows[0].get::<String, _>(0), "Bergen");
    assert_eq!(rows[0].get::<String, _>(1), "CTO");
}

/// The kept totals equal a fresh count of Twenty's rows after the cockpit
/// and Twenty's own connection move, re-price and delete deals at once.
#[tokio::test]
async fn totals_over_twenty_stay_exact_under_concurrent_writes() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.opportunity (name, \"amountAmountMicros\", stage)
         SELECT 'Deal ' || i, i * 1000000, 'NEW' FROM generate_series(1, 24) i",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM crm_deals ORDER BY name")
        .fetch_all(tx.conn())
        .await
        .unwrap();
    let stages: Vec<Uuid> =
        sqlx::query_scalar("SELECT stage_id FROM crm_pipeline ORDER BY stage_position")
            .fetch_all(tx.conn())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((ids.len(), stages.len()), (24, 5));
    let labels = ["NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"];
    let mut workers = vec![];
    for w in 0..4usize {
        let (db, owner, stages, ids) = (t.db.clone(), t.owner.clone(), stages.clone(), ids.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..8usize {
                let deal = ids[(w * 7 + i * 5) % ids.len()];
                let s = (w + i) % stages.len();
                if w % 2 == 0 {
                    let mut tx = db.begin(a, human).await.unwrap();
                    let done = if i % 3 == 2 {
                        records::update(
                            &mut tx,
                            deal,
                            vec![redkey_data::deals::DealField::AmountMicros(Some(
                                (w * 100 + i) as i64 * 1_000_000,
                            ))],
                        )
                        .await
                        .map(|_| ())
                    } else {
                        deals::move_to(&mut tx, deal, stages[s], 0).await
                    };
                    // A deal Twenty deleted meanwhile is not found: fine.
                    if done.is_ok() {
                        tx.commit().await.unwrap();
                    }
                } else {
                    let sql = match i % 3 {
                        0 => format!("UPDATE workspace_a.opportunity SET stage = '{}' WHERE id = '{deal}'", labels[s]),
                        1 => format!("UPDATE workspace_a.opportunity SET \"amountAmountMicros\" = {} WHERE id = '{deal}'", (w * 10 + i) * 1_000_000),
                        _ => format!("UPDATE workspace_a.opportunity SET \"deletedAt\" = CASE WHEN \"deletedAt\" IS NULL THEN now() END WHERE id = '{deal}'"),
                    };
                    // One implicit transaction as Twenty's role; what
                    // deadlocks against the cockpit is Twenty's to retry.
                    let sql = format!("SET LOCAL ROLE twenty_app; {sql}");
                    let _ = sqlx::raw_sql(&sql).execute(&owner).await;
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let fresh: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT initcap(l.label), count(o.id), round(coalesce(sum(o.\"amountAmountMicros\"), 0) / 1000000)::bigint \
         FROM unnest(enum_range(NULL::workspace_a.opportunity_stage_enum)::text[]) WITH ORDINALITY l(label, n) \
         LEFT JOIN workspace_a.opportunity o ON o.stage::text = l.label AND o.\"deletedAt\" IS NULL \
         GROUP BY l.label, l.n ORDER BY l.n",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert_eq!(stage_totals(&t, a, human).await, fresh);
}

/// A note is one set: Twenty's notes on a contact are the cockpit's, and a
/// note the cockpit adds is Twenty's, with a document Twenty's editor shows.
#[tokio::test]
async fn notes_written_on_either_side_are_one_set() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id;
         INSERT INTO workspace_a.note (title, \"bodyV2Markdown\") VALUES ('From Twenty', 'hello') RETURNING id;
         INSERT INTO workspace_a.\"noteTarget\" (\"noteId\", \"personId\")
           SELECT n.id, p.id FROM workspace_a.note n, workspace_a.person p;",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let mut tx = t.tx(a, human).await;
    let on = notes::of(&mut tx, notes::Target::Contact(person))
        .await
        .unwrap();
    assert_eq!(
        on.iter()
            .map(|n| (n.title.as_str(), n.body_markdown.as_str()))
            .collect::<Vec<_>>(),
        [("From Twenty", "hello")]
    );
    let added = notes::add(
        &mut tx,
        notes::Target::Contact(person),
        "Call",
        "line one\nline two",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let rows = as_twenty(
        &t,
        &format!(
            "SELECT n.\"bodyV2Markdown\", n.\"bodyV2Blocknote\", nt.\"personId\"
             FROM workspace_a.note n JOIN workspace_a.\"noteTarget\" nt ON nt.\"noteId\" = n.id
             WHERE n.id = '{}'",
            added.id
        ),
    )
    .await;
    assert_eq!(rows[0].get::<String, _>(0), "line one\nline two");
    let blocks: serde_json::Value = serde_json::from_str(&rows[0].get::<String, _>(1)).unwrap();
    let lines: Vec<&str> = blocks
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["content"][0]["text"].as_str().unwrap())
        .collect();
    assert_eq!(lines, ["line one", "line two"]);
    assert_eq!(rows[0].get::<Uuid, _>(2), person);
}

/// An email address is one contact's, whatever its case, as on the main
/// tables: Twenty's own index would let a differently cased copy in.
#[tokio::test]
async fn a_duplicate_email_in_another_case_is_a_clear_conflict() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"emailsPrimaryEmail\") VALUES ('Ann', 'ann@x.test')",
    )
    .await;
    let mut tx = t.tx(a, human).await;
    let refused = records::create::<ContactField>(
        &mut tx,
        vec![
            ContactField::FirstName("Dup".into()),
            ContactField::Email(Some(
                redkey_types::EmailAddress::parse("ANN@x.test").unwrap(),
            )),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&refused, DbError::Conflict(m) if m == "a contact with this email already exists"),
        "{refused:?}"
    );
}

/// To-dos are Twenty's tasks: arlo adds one on a contact, Twenty sees it
/// linked, only a person completes it, and a reopening in Twenty's own app
/// shows in the cockpit.
#[tokio::test]
async fn todos_are_twentys_tasks_and_only_a_person_completes_them() {
    use redkey_data::todos::{self, NewTodo};
    use redkey_types::TodoStatus;

    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let mut tx = t.tx(a, Actor::Agent).await;
    let todo = todos::add(
        &mut tx,
        NewTodo {
            title: "Send the deck".into(),
            target: Some(notes::Target::Contact(person)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let task = |sql: &'static str| {
        let t = &t;
        async move { as_twenty(t, sql).await }
    };
    let rows = task(
        "SELECT t.title, t.status::text, tt.\"personId\" FROM workspace_a.task t \
         JOIN workspace_a.\"taskTarget\" tt ON tt.\"taskId\" = t.id",
    )
    .await;
    assert_eq!(
        (
            rows[0].get::<String, _>(0),
            rows[0].get::<String, _>(1),
            rows[0].get::<Uuid, _>(2)
        ),
        ("Send the deck".to_string(), "TODO".to_string(), person)
    );

    let mut tx = t.tx(a, Actor::Agent).await;
    let refused = todos::set_status(&mut tx, todo.id, TodoStatus::Done)
        .await
        .unwrap_err();
    assert!(matches!(refused, DbError::Forbidden(_)), "{refused:?}");
    tx.rollback().await.unwrap();

    let status = |client: ClientId| {
        let t = &t;
        async move {
            let mut tx = t.tx(client, human).await;
            let row: (String, Option<chrono::DateTime<chrono::Utc>>) =
                sqlx::query_as("SELECT status, completed_at FROM crm_todos")
                    .fetch_one(tx.conn())
                    .await
                    .unwrap();
            tx.commit().await.unwrap();
            row
        }
    };
    let mut tx = t.tx(a, human).await;
    todos::set_status(&mut tx, todo.id, TodoStatus::Done)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (done, at) = status(a).await;
    assert_eq!(done, "DONE");
    assert!(at.is_some());
    assert_eq!(
        task("SELECT status::text FROM workspace_a.task").await[0].get::<String, _>(0),
        "DONE"
    );
    task("UPDATE workspace_a.task SET status = 'TODO'").await;
    assert_eq!(status(a).await, ("TODO".to_string(), None));
}

/// Arlo logs email on a Twenty contact (once per external key, on its
/// timeline, moving its last activity) and enriches it; an id that is not
/// the workspace's is refused as a missing contact.
#[tokio::test]
async fn activities_point_at_twentys_records_and_move_their_last_activity() {
    use redkey_data::activities::{self, NewActivity};

    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ann') RETURNING id",
    )
    .await;
    let person: Uuid = rows[0].get(0);
    let when = chrono::Utc::now() - chrono::Duration::hours(2);
    let email = |contact: Uuid| NewActivity {
        kind: "email_received".into(),
        subject: Some("Re: pilot".into()),
        happens_at: Some(when),
        contact_id: Some(contact),
        external_key: Some("msg-1@x.test".into()),
        ..Default::default()
    };
    let mut tx = t.tx(a, Actor::Agent).await;
    assert!(activities::log(&mut tx, email(person))
        .await
        .unwrap()
        .is_some());
    assert!(
        activities::log(&mut tx, email(person))
            .await
            .unwrap()
            .is_none(),
        "once per external key"
    );
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let timeline = activities::of_contact(&mut tx, person).await.unwrap();
    assert_eq!(timeline.len(), 1);
    let c: Contact = records::get(&mut tx, person).await.unwrap();
    assert_eq!(
        c.last_activity_at.map(|t| t.timestamp_micros()),
        Some(when.timestamp_micros())
    );
    tx.commit().await.unwrap();

    // Enrichment: the contact is due, its lookup is recorded, then it is not.
    let mut tx = t.tx(a, Actor::Agent).await;
    assert!(
        redkey_data::enrichment::due(&mut tx, 30, 10)
            .await
            .unwrap()
            .is_empty(),
        "no email yet"
    );
    tx.rollback().await.unwrap();
    as_twenty(
        &t,
        "UPDATE workspace_a.person SET \"emailsPrimaryEmail\" = 'ann@x.test'",
    )
    .await;
    let mut tx = t.tx(a, Actor::Agent).await;
    assert_eq!(
        redkey_data::enrichment::due(&mut tx, 30, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    redkey_data::enrichment::record(&mut tx, person, "apollo", true, true)
        .await
        .unwrap();
    assert!(redkey_data::enrichment::due(&mut tx, 30, 10)
        .await
        .unwrap()
        .is_empty());
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, Actor::Agent).await;
    let mut stranger = email(Uuid::new_v4());
    stranger.external_key = Some("msg-2@x.test".into());
    let refused = activities::log(&mut tx, stranger).await.unwrap_err();
    assert!(
        matches!(&refused, DbError::Invalid(m) if m == "contact not found"),
        "{refused:?}"
    );
}

/// The contacts list's name order walks the index the adapter gives
/// Twenty's table, through the view, instead of sorting every person.
#[tokio::test]
async fn the_name_order_walks_twentys_table_by_the_adapters_index() {
    let (t, a, human) = attached().await;
    as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\", \"nameLastName\")
         SELECT 'P', 'Surname' || i FROM generate_series(1, 2000) i",
    )
    .await;
    sqlx::raw_sql("ANALYZE workspace_a.person")
        .execute(&t.owner)
        .await
        .unwrap();
    let mut tx = t.tx(a, human).await;
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM crm_contacts ORDER BY last_name, first_name, id LIMIT 51",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let plan = plan.join("\n");
    assert!(
        plan.contains("redkey_person_last_name_first_name_id_order") && !plan.contains("Sort"),
        "{plan}"
    );
}
