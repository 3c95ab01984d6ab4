//! The HTTP benchmark's email and history, for Today at scale: two active
//! sequences with 20,000 enrolments, their sends (one to three each) and
//! Resend's events about them (delivered, opened — some twice —, clicked,
//! bounced), 2,000 replies over the last month, and 6,000 stage moves of
//! deals over the last year in the audit trail. Written as the owner into
//! the main tables in a few statements; idempotent like the rest of the
//! data set (each part is skipped when it is there).

use indicatif::ProgressBar;
use redkey_data::{
    sequences::{self, SequenceInput},
    Actor, ClientId, Db,
};
use redkey_types::Step;
use sqlx::PgPool;

pub const ENROLMENTS: i64 = 20_000;
const REPLIES: i64 = 2_000;
const STAGE_MOVES: i64 = 6_000;
const NAMES: [&str; 2] = ["Bench outreach", "Bench follow-up"];

pub async fn load(owner: &PgPool, db: &Db, client: ClientId, human: Actor) -> anyhow::Result<()> {
    let bar = ProgressBar::new_spinner().with_message("sequences, sends, events, history");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut tx = db.begin(client, human).await?;
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_sequences WHERE name = ANY($1)")
        .bind(&NAMES[..])
        .fetch_one(tx.conn())
        .await?;
    if have == 0 {
        for name in NAMES {
            sequences::create(&mut tx, &input(name)).await?;
        }
    }
    tx.commit().await?;

    let ws = client.0;
    let enrolled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sequence_contacts e JOIN sequences q ON q.id = e.sequence_id \
         WHERE e.workspace_id = $1 AND q.name = ANY($2)",
    )
    .bind(ws)
    .bind(&NAMES[..])
    .fetch_one(owner)
    .await?;
    if enrolled == 0 {
        // Every enrolment: one in eight replied, one in fifty unsubscribed,
        // a third finished, the rest still active.
        sqlx::query(
            "WITH q AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM sequences \
                        WHERE workspace_id = $1 AND name = ANY($2)), \
                  p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM people \
                        WHERE workspace_id = $1 AND deleted_at IS NULL) \
             INSERT INTO sequence_contacts (workspace_id, sequence_id, person_id, current_step, \
                                            status, stop_reason, last_sent_at) \
             SELECT $1, q.id, p.id, 1 + p.n % 3, \
                    CASE WHEN p.n % 8 = 0 THEN 'replied' WHEN p.n % 50 = 1 THEN 'stopped' \
                         WHEN p.n % 3 = 2 THEN 'complete' ELSE 'active' END, \
                    CASE WHEN p.n % 8 = 0 THEN 'replied' WHEN p.n % 50 = 1 THEN 'unsubscribed' END, \
                    now() - (p.n % 60) * interval '1 day' \
             FROM p JOIN q ON q.n = p.n % 2 WHERE p.n < $3",
        )
        .bind(ws)
        .bind(&NAMES[..])
        .bind(ENROLMENTS)
        .execute(owner)
        .await?;
        sqlx::query(
            "INSERT INTO email_sends (workspace_id, enrollment_id, step, person_id, to_email, \
                                      idempotency_key, request, status, attempts, provider_id, \
                                      sent_at) \
             SELECT e.workspace_id, e.id, s, e.person_id, 'bench@example.test', \
                    'bench-' || e.id || '-' || s, '{}', 'sent', 1, \
                    'bench-' || e.id || '-' || s, e.last_sent_at - s * interval '3 days' \
             FROM sequence_contacts e JOIN sequences q ON q.id = e.sequence_id, \
                  generate_series(0, 2) AS s \
             WHERE e.workspace_id = $1 AND q.name = ANY($2) AND s < e.current_step",
        )
        .bind(ws)
        .bind(&NAMES[..])
        .execute(owner)
        .await?;
        // Numbered sends; each event type for a share of them.
        sqlx::query(
            "WITH m AS (SELECT provider_id, sent_at, row_number() OVER (ORDER BY id) AS n \
                        FROM email_sends WHERE workspace_id = $1 AND provider_id LIKE 'bench-%'), \
                  t (type, every, copies) AS (VALUES ('email.delivered', 1, 1), \
                        ('email.opened', 2, 1), ('email.opened', 10, 2), \
                        ('email.clicked', 12, 1), ('email.bounced', 50, 1)) \
             INSERT INTO email_events (workspace_id, svix_id, type, payload, received_at) \
             SELECT $1, 'msg_bench_' || m.n || '_' || t.type || '_' || t.copies, t.type, \
                    jsonb_build_object('type', t.type, 'created_at', m.sent_at, \
                                       'data', jsonb_build_object('email_id', m.provider_id)), \
                    m.sent_at + interval '1 hour' \
             FROM m JOIN t ON m.n % t.every = 0",
        )
        .bind(ws)
        .execute(owner)
        .await?;
    }

    let replies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM activities WHERE workspace_id = $1 AND kind = 'email_replied'",
    )
    .bind(ws)
    .fetch_one(owner)
    .await?;
    if replies == 0 {
        sqlx::query(
            "WITH e AS (SELECT person_id, row_number() OVER (ORDER BY id) AS n \
                        FROM sequence_contacts WHERE workspace_id = $1 AND status = 'replied') \
             INSERT INTO activities (workspace_id, kind, subject, body, happens_at, person_id, \
                                     created_by_source) \
             SELECT $1, 'email_replied', 'Re: a short call', \
                    'Thanks, next Tuesday works for me.' || E'\\n\\n> earlier', \
                    now() - (e.n % 43200) * interval '1 minute', e.person_id, 'IMPORT' \
             FROM e WHERE e.n <= $2",
        )
        .bind(ws)
        .bind(REPLIES)
        .execute(owner)
        .await?;
    }

    let moves: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM field_changes WHERE workspace_id = $1 AND view_name = 'crm_deals' \
         AND column_name = 'stage_id' AND acting_role = 'bench'",
    )
    .bind(ws)
    .fetch_one(owner)
    .await?;
    if moves == 0 {
        // Moves into each stage in turn, spread over the last year (beside
        // the ones the deals' creation recorded today), marked as the
        // benchmark's own.
        sqlx::query(
            "WITH d AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM opportunities \
                        WHERE workspace_id = $1 AND deleted_at IS NULL), \
                  s AS (SELECT id, row_number() OVER (ORDER BY position, id) - 1 AS n, \
                               count(*) OVER () AS stages \
                        FROM pipeline_stages WHERE workspace_id = $1) \
             INSERT INTO field_changes (workspace_id, view_name, row_id, column_name, old_value, \
                                        new_value, acting_role, changed_at) \
             SELECT $1, 'crm_deals', d.id, 'stage_id', NULL, to_jsonb(s.id::text), \
                    'bench', now() - (d.n % 365) * interval '1 day' \
             FROM d JOIN s ON s.n = d.n % s.stages WHERE d.n <= $2",
        )
        .bind(ws)
        .bind(STAGE_MOVES)
        .execute(owner)
        .await?;
        // Decided deals entered their stage when the history says.
        sqlx::query("SELECT redkey_recount_deal_charts($1)")
            .bind(ws)
            .execute(owner)
            .await?;
    }
    bar.finish_with_message("sequences, sends, events, history: loaded");
    Ok(())
}

fn input(name: &str) -> SequenceInput {
    let step = |delay_days, subject: &str| Step {
        delay_days,
        business_days: false,
        subject: subject.into(),
        body: "Hi {{first_name}}, would a short call be useful?".into(),
        intent: None,
    };
    SequenceInput {
        name: name.into(),
        steps: vec![
            step(0, "Hello"),
            step(3, "Following up"),
            step(7, "Closing the loop"),
        ],
        window_start: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
        window_end: chrono::NaiveTime::from_hms_opt(17, 0, 0).expect("valid"),
        weekdays: vec![1, 2, 3, 4, 5],
        time_zone: "UTC".into(),
        personalised: false,
    }
}
