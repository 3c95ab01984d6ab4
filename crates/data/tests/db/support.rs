//! Records the tests start from.

use chrono::NaiveDate;
use redkey_data::records;
use redkey_data::{
    contacts::ContactField, deals::DealField, pipeline, sequences::SequenceInput, settings, Actor,
    ClientId, Tx,
};
use redkey_testkit::{over_twenty, TestDb};
use redkey_types::{EmailAddress, Step};
use uuid::Uuid;

pub fn email(s: &str) -> Option<EmailAddress> {
    Some(EmailAddress::parse(s).unwrap())
}

/// A weekday, working-hours sequence of `steps` immediate steps.
pub fn sequence(name: &str, steps: usize) -> SequenceInput {
    SequenceInput {
        name: name.into(),
        steps: (0..steps)
            .map(|i| Step {
                delay_days: 0,
                business_days: false,
                subject: format!("Step {}", i + 1),
                body: "Hi".into(),
                intent: None,
            })
            .collect(),
        window_start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        window_end: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        weekdays: vec![1, 2, 3, 4, 5],
        time_zone: "UTC".into(),
        personalised: false,
    }
}

/// Client "alpha" moves fourteen hours ahead of UTC: its days and months
/// begin before UTC's.
pub async fn far_zone(t: &TestDb) {
    redkey_data::admin::set_schedule(
        &t.owner,
        "alpha",
        chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        "Pacific/Kiritimati",
    )
    .await
    .unwrap();
}

/// `n` imported contacts of one client, Ann and Ben by turns, named
/// Surname1 to Surname`n`: many records sharing the start of a word.
pub async fn surnamed_contacts(t: &TestDb, client: ClientId, actor: Actor, n: i32) {
    let mut tx = t.tx(client, actor).await;
    sqlx::query(
        "INSERT INTO crm_contacts (first_name, last_name, email, created_by_source) \
         SELECT (ARRAY['Ann', 'Ben'])[1 + i % 2], 'Surname' || i, 'p' || i || '@x.test', \
                'IMPORT' FROM generate_series(1, $1) AS i",
    )
    .bind(n)
    .execute(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

pub async fn new_contact(t: &TestDb, client: ClientId, actor: Actor, first: &str) -> Uuid {
    let mut tx = t.tx(client, actor).await;
    let c = records::create(
        &mut tx,
        vec![
            ContactField::FirstName(first.into()),
            ContactField::LastName("Tester".into()),
            ContactField::Email(email(&format!("{}@example.test", first.to_lowercase()))),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.id
}

/// A pipeline named `name` with `stages` (name, probability, won, lost) in
/// order. Over a Twenty workspace, whose one pipeline is Twenty's stage
/// options (a second is refused), the same start is made as an admin would
/// in Settings: the first options take these names and outcomes, the rest
/// are archived.
pub async fn pipeline_with(
    tx: &mut Tx,
    name: &str,
    stages: &[(&str, i32, bool, bool)],
) -> (Uuid, Vec<Uuid>) {
    if !over_twenty() {
        let p = pipeline::create_pipeline(tx, name).await.unwrap();
        let mut ids = vec![];
        for (stage, prob, won, lost) in stages {
            ids.push(
                pipeline::create_stage(tx, p, stage, *prob, *won, *lost)
                    .await
                    .unwrap(),
            );
        }
        return (p, ids);
    }
    let options = pipeline::stages(tx).await.unwrap();
    assert!(options.len() >= stages.len(), "Twenty has {options:?}");
    let p = options[0].pipeline_id;
    settings::rename_pipeline(tx, p, name).await.unwrap();
    let mut ids = vec![];
    for (option, (stage, prob, won, lost)) in options.iter().zip(stages) {
        pipeline::rename_stage(tx, option.stage_id, stage)
            .await
            .unwrap();
        settings::set_stage_outcome(tx, option.stage_id, *prob, *won, *lost)
            .await
            .unwrap();
        ids.push(option.stage_id);
    }
    for option in &options[stages.len()..] {
        pipeline::archive_stage(tx, option.stage_id).await.unwrap();
    }
    (p, ids)
}

/// A pipeline with three stages and `n` deals in the first stage.
pub async fn board(tx: &mut Tx, n: usize) -> (Uuid, Vec<Uuid>, Vec<Uuid>) {
    board_with(
        tx,
        &[
            ("Lead", 10, false, false),
            ("Proposal", 50, false, false),
            ("Won", 100, true, false),
        ],
        n,
        |_| None,
    )
    .await
}

/// A pipeline "Sales" with `stages` and `n` deals in the first, the i-th
/// worth i + 1 units and closing on `close(i)`.
pub async fn board_with(
    tx: &mut Tx,
    stages: &[(&str, i32, bool, bool)],
    n: usize,
    close: impl Fn(usize) -> Option<NaiveDate>,
) -> (Uuid, Vec<Uuid>, Vec<Uuid>) {
    let (p, stages) = pipeline_with(tx, "Sales", stages).await;
    let mut ds = vec![];
    for i in 0..n {
        let d = records::create(
            tx,
            vec![
                DealField::Name(format!("Deal {i}")),
                DealField::Pipeline(p),
                DealField::Stage(stages[0]),
                DealField::AmountMicros(Some(1_000_000 * (i as i64 + 1))),
                DealField::CloseDate(close(i)),
            ],
        )
        .await
        .unwrap();
        ds.push(d.id);
    }
    (p, stages, ds)
}

pub async fn positions(tx: &mut Tx, stage: Uuid) -> Vec<(Uuid, f64)> {
    sqlx::query_as("SELECT id, position FROM crm_deals WHERE stage_id = $1 ORDER BY position")
        .bind(stage)
        .fetch_all(tx.conn())
        .await
        .unwrap()
}

/// A transaction as another application writing where `client`'s deals
/// live: the attached Twenty workspace's schema (as Twenty's own
/// connection), or none for RedKey's tables (as the owner, with no client
/// chosen by the data layer).
pub async fn elsewhere(
    t: &TestDb,
    client: ClientId,
) -> (sqlx::Transaction<'static, sqlx::Postgres>, Option<String>) {
    let mut other = t.owner.begin().await.unwrap();
    if !over_twenty() {
        return (other, None);
    }
    let schema: String = sqlx::query_scalar(
        "SELECT workspace_schema FROM redkey_twenty.attachments WHERE workspace_id = $1",
    )
    .bind(client.0)
    .fetch_one(&mut *other)
    .await
    .unwrap();
    sqlx::query("SET LOCAL ROLE twenty_app")
        .execute(&mut *other)
        .await
        .unwrap();
    (other, Some(schema))
}

/// Another application writes a deal of 7 units into `stage` straight into
/// the table where the client's deals live.
pub async fn from_elsewhere(t: &TestDb, a: ClientId, human: Actor, stage: Uuid) {
    let (mut other, twenty) = elsewhere(t, a).await;
    if let Some(schema) = twenty {
        let label: String =
            sqlx::query_scalar("SELECT label FROM redkey_twenty.stages WHERE stage_id = $1")
                .bind(stage)
                .fetch_one(&t.owner)
                .await
                .unwrap();
        sqlx::query(&format!(
            "INSERT INTO {schema}.opportunity (name, stage, \"amountAmountMicros\", position) \
             VALUES ('From elsewhere', $1::text::{schema}.opportunity_stage_enum, 7000000, 99)"
        ))
        .bind(label)
        .execute(&mut *other)
        .await
        .unwrap();
    } else {
        let Actor::User(someone) = human else {
            unreachable!("two_clients gives a person")
        };
        // The audit trail asks who wrote it; the totals follow the row itself.
        sqlx::query(
            "SELECT set_config('redkey.user_id', $1, true), set_config('redkey.client_id', $2, true)",
        )
        .bind(someone.to_string())
        .bind(a.0.to_string())
        .execute(&mut *other)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO opportunities (workspace_id, name, pipeline_id, stage_id, amount_amount_micros, position) \
             SELECT workspace_id, 'From elsewhere', pipeline_id, id, 7000000, 99 FROM pipeline_stages WHERE id = $1",
        )
        .bind(stage)
        .execute(&mut *other)
        .await
        .unwrap();
    }
    other.commit().await.unwrap();
}
