//! The audit trail of the fields an attached client keeps in Twenty's own
//! columns: a deal's stage, amount and close date changed in the cockpit
//! or in Twenty's app are recorded as the main tables record them, by who
//! made them; a strategic change with no person behind it is refused.

use chrono::NaiveDate;
use redkey_data::{audit, deals, deals::DealField, records, DbError};
use redkey_types::{Deal, FieldChange};
use serde_json::{json, Value};
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

fn change<'a>(all: &'a [FieldChange], column: &str, new: &Value) -> Option<&'a FieldChange> {
    all.iter()
        .find(|c| c.column_name == column && c.new_value.as_ref() == Some(new))
}

#[tokio::test]
async fn changes_to_what_twentys_columns_hold_are_audited_from_either_side() {
    let (t, a, human) = attached().await;
    let deal: Uuid = as_twenty(
        &t,
        "INSERT INTO workspace_a.opportunity (name, stage, \"amountAmountMicros\", \"amountCurrencyCode\")
         VALUES ('Sprocket order', 'NEW', 1000000, 'USD') RETURNING id",
    )
    .await[0]
    .get(0);
    let mut tx = t.tx(a, human).await;
    let stages: Vec<Uuid> =
        sqlx::query_scalar("SELECT stage_id FROM crm_pipeline ORDER BY stage_position")
            .fetch_all(tx.conn())
            .await
            .unwrap();
    deals::move_to(&mut tx, deal, stages[3], 0).await.unwrap();
    let _: Deal = records::update(
        &mut tx,
        deal,
        vec![
            DealField::AmountMicros(Some(9_000_000)),
            DealField::CloseDate(NaiveDate::from_ymd_opt(2027, 3, 31)),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Twenty's own app wins it, and leaves the amount as it is.
    as_twenty(
        &t,
        "UPDATE workspace_a.opportunity SET stage = 'CUSTOMER', name = 'Sprocket order (won)'",
    )
    .await;

    let mut tx = t.tx(a, human).await;
    let all = audit::changes_of(&mut tx, deal, 100).await.unwrap();
    tx.commit().await.unwrap();
    let created = change(&all, "stage_id", &json!(stages[0])).expect("the stage it began in");
    assert_eq!(
        (created.acting_role.as_str(), created.old_value.clone()),
        ("twenty", None)
    );
    let moved = change(&all, "stage_id", &json!(stages[3])).expect("the cockpit's move");
    assert_eq!(moved.acting_role, "redkey_human");
    assert!(moved.user_id.is_some());
    assert_eq!(moved.old_value, Some(json!(stages[0])));
    let amount = change(&all, "amount_micros", &json!(9_000_000)).expect("the amount");
    assert_eq!(amount.old_value, Some(json!(1_000_000)));
    assert!(
        change(&all, "close_date", &json!("2027-03-31")).is_some(),
        "{all:?}"
    );
    let won = change(&all, "stage_id", &json!(stages[4])).expect("Twenty's move");
    assert_eq!((won.acting_role.as_str(), won.user_id), ("twenty", None));
    assert_eq!(
        all.iter()
            .filter(|c| c.column_name == "amount_micros")
            .count(),
        2,
        "set once by Twenty, changed once here: {all:?}"
    );

    // Through our roles with no person behind it: refused, nothing moves.
    let mut tx = t.serving.begin().await.unwrap();
    for sql in [
        format!("SELECT set_config('redkey.client_id', '{}', true)", a.0),
        "SET LOCAL ROLE redkey_human".into(),
        "SELECT set_config('search_path', redkey_search_path(), true)".into(),
    ] {
        sqlx::query(&sql).execute(&mut *tx).await.unwrap();
    }
    let err = sqlx::query("UPDATE crm_deals SET amount_micros = 1 WHERE id = $1")
        .bind(deal)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(matches!(DbError::from(err), DbError::NoAuthority(_)));
}
