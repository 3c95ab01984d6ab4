//! To-dos: anyone creates them, only a person changes their status, and
//! one client never sees or completes another's.

use chrono::{Duration, Utc};
use redkey_data::{
    notes::Target,
    todos::{self, Filter, NewTodo},
    Actor, DbError,
};
use redkey_testkit::TestDb;
use redkey_types::{Source, TodoStatus};

use crate::support::new_contact;

fn todo(title: &str) -> NewTodo {
    NewTodo {
        title: title.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_person_completes_and_reopens_a_todo_on_a_contact() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let ann = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, human).await;
    let added = todos::add(
        &mut tx,
        NewTodo {
            target: Some(Target::Contact(ann)),
            ..todo("Send Ann the proposal")
        },
    )
    .await
    .unwrap();
    assert_eq!(added.status, TodoStatus::Todo);
    assert_eq!(added.created_by_source, Source::Manual);

    let open = todos::list(&mut tx, Filter::On(Target::Contact(ann)), false, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].links.len(), 1);
    assert_eq!(open[0].links[0].id, ann);
    assert_eq!(open[0].links[0].label, "Ann Tester");

    todos::set_status(&mut tx, added.id, TodoStatus::Done)
        .await
        .unwrap();
    let filter = Filter::On(Target::Contact(ann));
    assert!(todos::list(&mut tx, filter, false, 10)
        .await
        .unwrap()
        .is_empty());
    let done = todos::list(&mut tx, filter, true, 10).await.unwrap();
    assert_eq!(done[0].todo.status, TodoStatus::Done);
    assert!(done[0].todo.completed_at.is_some());

    todos::set_status(&mut tx, added.id, TodoStatus::Todo)
        .await
        .unwrap();
    let open = todos::list(&mut tx, filter, false, 10).await.unwrap();
    assert_eq!(open[0].todo.completed_at, None);
}

#[tokio::test]
async fn arlo_creates_todos_but_never_changes_their_status() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let ann = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, Actor::Agent).await;
    let added = todos::add(
        &mut tx,
        NewTodo {
            target: Some(Target::Contact(ann)),
            ..todo("Reply to Ann")
        },
    )
    .await
    .unwrap();
    assert_eq!(added.created_by_source, Source::Agent);
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, Actor::Agent).await;
    let r = todos::set_status(&mut tx, added.id, TodoStatus::Done).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
    drop(tx);
    // Nor around the function, through the view: the status is not a
    // writable column (0A000) and completed_at is granted to nobody (42501).
    for sql in [
        "UPDATE crm_todos SET status = 'DONE' WHERE id = $1",
        "UPDATE crm_todos SET completed_at = now() WHERE id = $1",
    ] {
        for actor in [Actor::Agent, human] {
            let mut tx = t.tx(a, actor).await;
            let r = sqlx::query(sql).bind(added.id).execute(tx.conn()).await;
            let err = r.unwrap_err().into_database_error().unwrap();
            let code = err.code();
            assert!(
                matches!(code.as_deref(), Some("42501" | "0A000")),
                "{sql} as {actor:?}: {code:?}"
            );
        }
    }
    let mut tx = t.tx(a, human).await;
    let open = todos::list(&mut tx, Filter::All, false, 10).await.unwrap();
    assert_eq!(open[0].todo.status, TodoStatus::Todo);
    todos::set_status(&mut tx, added.id, TodoStatus::Done)
        .await
        .unwrap();
}

#[tokio::test]
async fn another_clients_todo_is_neither_seen_nor_completed() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(b, human).await;
    let theirs = todos::add(&mut tx, todo("Beta's own")).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    assert!(todos::list(&mut tx, Filter::All, false, 10)
        .await
        .unwrap()
        .is_empty());
    let r = todos::set_status(&mut tx, theirs.id, TodoStatus::Done).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    // A link to another client's contact is refused too.
    drop(tx);
    let ben = new_contact(&t, b, human, "Ben").await;
    let mut tx = t.tx(a, human).await;
    let r = todos::add(
        &mut tx,
        NewTodo {
            target: Some(Target::Contact(ben)),
            ..todo("Poach Ben")
        },
    )
    .await;
    assert!(r.is_err(), "{r:?}");
}

#[tokio::test]
async fn open_todos_come_overdue_first_and_mine_includes_the_unassigned() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let other = t.user("colleague@alpha.test", &["alpha"]).await;
    let mut tx = t.tx(a, human).await;
    let me = todos::my_member_id(&mut tx)
        .await
        .unwrap()
        .expect("a member");
    let members = redkey_data::members(&mut tx).await.unwrap();
    let them = members
        .iter()
        .find(|m| m.user_id == Some(other))
        .unwrap()
        .id;
    let now = Utc::now();
    for (title, due, assignee) in [
        ("later", Some(now + Duration::days(3)), Some(me)),
        ("no date", None, None),
        ("overdue", Some(now - Duration::days(2)), Some(me)),
        ("theirs", Some(now - Duration::days(5)), Some(them)),
    ] {
        todos::add(
            &mut tx,
            NewTodo {
                due_at: due,
                assignee_id: assignee,
                ..todo(title)
            },
        )
        .await
        .unwrap();
    }
    let titles = |items: Vec<redkey_types::TodoItem>| {
        items
            .into_iter()
            .map(|i| (i.todo.title, i.overdue))
            .collect::<Vec<_>>()
    };
    let mine = todos::list(&mut tx, Filter::MineOrUnassigned(me), false, 10)
        .await
        .unwrap();
    assert_eq!(mine[0].assignee.as_deref(), Some("Test User"));
    assert_eq!(
        titles(mine),
        [
            ("overdue".to_string(), true),
            ("later".to_string(), false),
            ("no date".to_string(), false)
        ]
    );
    let all = todos::list(&mut tx, Filter::All, false, 10).await.unwrap();
    assert_eq!(all[0].todo.title, "theirs");
    assert_eq!(all.len(), 4);
}

#[tokio::test]
async fn a_lists_open_and_done_todos_come_in_one_read_as_two_reads_give_them() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let ann = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, human).await;
    let now = Utc::now();
    let mut added = vec![];
    for (title, due) in [
        ("in a week", Some(now + Duration::days(7))),
        ("undated", None),
        ("tomorrow", Some(now + Duration::days(1))),
        ("yesterday", Some(now - Duration::days(1))),
        ("first done", None),
        ("second done", None),
        ("third done", None),
    ] {
        let todo = todos::add(
            &mut tx,
            NewTodo {
                due_at: due,
                target: Some(Target::Contact(ann)),
                ..todo(title)
            },
        )
        .await
        .unwrap();
        added.push(todo.id);
    }
    // One more elsewhere, which the record's lists leave out.
    todos::add(&mut tx, todo("not Ann's")).await.unwrap();
    for id in &added[4..] {
        todos::set_status(&mut tx, *id, TodoStatus::Done)
            .await
            .unwrap();
        // Completion times apart, so the done list has one order.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        tx.commit().await.unwrap();
        tx = t.tx(a, human).await;
    }
    let titles = |items: &[redkey_types::TodoItem]| {
        items
            .iter()
            .map(|i| i.todo.title.clone())
            .collect::<Vec<_>>()
    };
    let filter = Filter::On(Target::Contact(ann));
    let (open, done) = todos::lists(&mut tx, filter, 3, 2).await.unwrap();
    assert_eq!(
        titles(&open),
        ["yesterday", "tomorrow", "in a week"],
        "the three first open, due first"
    );
    assert_eq!(titles(&done), ["third done", "second done"], "latest first");
    assert!(open.iter().chain(&done).all(|i| i.links[0].id == ann));
    for (o, d) in [(3, 2), (10, 10), (0, 1)] {
        let (open, done) = todos::lists(&mut tx, filter, o, d).await.unwrap();
        assert_eq!(open, todos::list(&mut tx, filter, false, o).await.unwrap());
        assert_eq!(done, todos::list(&mut tx, filter, true, d).await.unwrap());
    }
    let (all_open, _) = todos::lists(&mut tx, Filter::All, 10, 10).await.unwrap();
    assert_eq!(all_open.len(), 5, "everyone's open to-dos with All");
}

#[tokio::test]
async fn the_member_choices_name_the_signed_in_persons_own_member() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let other = t.user("colleague@alpha.test", &["alpha"]).await;
    let mut tx = t.tx(a, human).await;
    let (choices, me) = redkey_data::member_choices_and_me(&mut tx).await.unwrap();
    let Actor::User(user) = human else {
        panic!("the test's person is a user")
    };
    let own = redkey_data::members(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == Some(user))
        .map(|m| m.id);
    assert!(own.is_some());
    assert_eq!(me, own, "the member row of the signed-in user");
    assert_eq!(choices.len(), 2);
    assert!(choices
        .iter()
        .any(|(id, name)| Some(*id) == me && name == "Test User"));
    drop(tx);
    let mut theirs = t.tx(a, Actor::User(other)).await;
    let (_, them) = redkey_data::member_choices_and_me(&mut theirs)
        .await
        .unwrap();
    assert!(them.is_some() && them != me, "each person finds their own");
    drop(theirs);
    let mut agent = t.tx(a, Actor::Agent).await;
    let (choices, none) = redkey_data::member_choices_and_me(&mut agent)
        .await
        .unwrap();
    assert_eq!((choices.len(), none), (2, None), "arlo is no member");
}
