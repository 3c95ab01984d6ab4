//! Demo data: two clients with pipelines, companies, contacts, deals and
//! activities, written through the data layer like any other writer.

use anyhow::Context;
use chrono::{Duration, Utc};
use redkey_data::records;
use redkey_data::{
    activities::{self, NewActivity},
    companies::CompanyField,
    contacts::ContactField,
    deals::DealField,
    pipeline,
    sequences::{self, SequenceInput},
    Actor, ClientId, Db,
};
use redkey_types::{EmailAddress, Priority, Step};
use sqlx::PgPool;
use uuid::Uuid;

pub const DEMO_EMAIL: &str = "founder@redkey.test";
pub const DEMO_PASSWORD: &str = "redkey-demo-password";

struct ClientSpec {
    slug: &'static str,
    name: &'static str,
    companies: &'static [(&'static str, &'static str, &'static str)],
}

const CLIENTS: [ClientSpec; 2] = [
    ClientSpec {
        slug: "bezeliq",
        name: "BezelIQ",
        companies: &[
            ("Meridian Health", "meridian.test", "Healthcare"),
            ("Volta Energy", "volta.test", "Energy"),
            ("Acme Logistics", "acme.test", "Logistics"),
            ("Northwind Foods", "northwind.test", "Food & Beverage"),
            ("Helix Robotics", "helix.test", "Manufacturing"),
            ("Orbit Finance", "orbit.test", "Financial Services"),
            ("Pine & Co", "pine.test", "Retail"),
            ("Quartz Labs", "quartz.test", "Software"),
        ],
    },
    ClientSpec {
        slug: "harbor",
        name: "Harbor Advisory",
        companies: &[
            ("Blue Fjord Shipping", "bluefjord.test", "Shipping"),
            ("Cedar Schools", "cedar.test", "Education"),
            ("Delta Mills", "deltamills.test", "Manufacturing"),
            ("Ember Studios", "ember.test", "Media"),
            ("Falcon Air", "falcon.test", "Aviation"),
        ],
    },
];

const FIRST: [&str; 12] = [
    "Sarah", "Marcus", "Priya", "Tom", "Lena", "Diego", "Aiko", "Omar", "Grace", "Felix", "Nadia",
    "Ivan",
];
const LAST: [&str; 10] = [
    "Okafor",
    "Lindqvist",
    "Patel",
    "Brennan",
    "Moreau",
    "Santos",
    "Tanaka",
    "Haddad",
    "Kowalski",
    "Reyes",
];
const TITLES: [&str; 5] = ["CEO", "CFO", "Head of Operations", "VP Sales", "CTO"];
pub(crate) const STAGES: [(&str, i32, bool, bool); 7] = [
    ("Lead", 10, false, false),
    ("Qualified", 25, false, false),
    ("Meeting", 40, false, false),
    ("Proposal", 60, false, false),
    ("Negotiation", 80, false, false),
    ("Won", 100, true, false),
    ("Lost", 0, false, true),
];
const KINDS: [&str; 6] = [
    "email_sent",
    "email_opened",
    "meeting",
    "call",
    "email_replied",
    "email_clicked",
];

/// Sarah Whitfield, CFO-side champion at Meridian Health (the other two
/// Sarahs work at Northwind and Quartz), and Meridian Capital, a company
/// whose name is close to hers: "Sarah at Meridian" names one person.
async fn near_misses(
    tx: &mut redkey_data::Tx,
    companies: &[redkey_types::Company],
) -> anyhow::Result<redkey_types::Contact> {
    records::create(
        tx,
        vec![
            CompanyField::Name("Meridian Capital".into()),
            CompanyField::Domain(Some("meridiancapital.test".into())),
        ],
    )
    .await?;
    let meridian = companies
        .iter()
        .find(|c| c.name == "Meridian Health")
        .context("Meridian Health is seeded")?;
    Ok(records::create(
        tx,
        vec![
            ContactField::FirstName("Sarah".into()),
            ContactField::LastName("Whitfield".into()),
            ContactField::Email(Some(
                EmailAddress::parse("sarah.whitfield@meridian.test").expect("demo email parses"),
            )),
            ContactField::JobTitle(Some("VP Finance".into())),
            ContactField::Company(Some(meridian.id)),
        ],
    )
    .await?)
}

/// Seeds the demo clients unless they exist. Returns false when skipped.
pub async fn seed(owner: &PgPool, db: &Db) -> anyhow::Result<bool> {
    let existing = super::clients(owner).await?;
    if existing.iter().any(|(_, slug, _)| slug == CLIENTS[0].slug) {
        return Ok(false);
    }
    let mut ids = Vec::new();
    for spec in &CLIENTS {
        ids.push(super::create_client(owner, spec.slug, spec.name).await?);
    }
    let slugs: Vec<String> = CLIENTS.iter().map(|c| c.slug.to_string()).collect();
    let email = EmailAddress::parse(DEMO_EMAIL).expect("demo email parses");
    let user =
        super::upsert_user(owner, &email, "Justin Founder", DEMO_PASSWORD, &slugs, true).await?;
    for (spec, id) in CLIENTS.iter().zip(ids) {
        seed_client(db, ClientId(id), user, spec)
            .await
            .with_context(|| format!("seeding {}", spec.slug))?;
    }
    Ok(true)
}

async fn seed_client(
    db: &Db,
    client: ClientId,
    user: Uuid,
    spec: &ClientSpec,
) -> anyhow::Result<()> {
    let human = Actor::User(user);
    let mut tx = db.begin(client, human).await?;
    let owner = redkey_data::members(&mut tx).await?.first().map(|m| m.id);
    let sales = pipeline::create_pipeline(&mut tx, "Sales").await?;
    let mut stages = Vec::new();
    for (name, p, won, lost) in STAGES {
        stages.push(pipeline::create_stage(&mut tx, sales, name, p, won, lost).await?);
    }
    if spec.slug == "bezeliq" {
        let partners = pipeline::create_pipeline(&mut tx, "Partnerships").await?;
        for (name, p) in [("Intro", 10), ("Pilot", 50), ("Signed", 100)] {
            pipeline::create_stage(&mut tx, partners, name, p, name == "Signed", false).await?;
        }
    }
    let mut companies = Vec::new();
    for (i, (name, domain, _)) in spec.companies.iter().enumerate() {
        let priority = [None, Some(Priority::High), Some(Priority::Medium)][i % 3];
        let c = records::create(
            &mut tx,
            vec![
                CompanyField::Name(name.to_string()),
                CompanyField::Domain(Some(domain.to_string())),
                CompanyField::Priority(priority),
            ],
        )
        .await?;
        companies.push(c);
    }
    let today = Utc::now().date_naive();
    let mut contacts = Vec::new();
    for i in 0..companies.len() * 3 {
        let company = &companies[i % companies.len()];
        let (first, last) = (
            FIRST[(i * 7 + spec.slug.len()) % FIRST.len()],
            LAST[(i * 3) % LAST.len()],
        );
        let domain = spec.companies[i % companies.len()].1;
        let mut fields = vec![
            ContactField::FirstName(first.into()),
            ContactField::LastName(last.into()),
            ContactField::Email(Some(
                EmailAddress::parse(&format!(
                    "{}.{}{}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    i
                ))
                .expect("demo email parses"),
            )),
            ContactField::JobTitle(Some(TITLES[i % TITLES.len()].into())),
            ContactField::Company(Some(company.id)),
        ];
        if i % 4 == 0 {
            fields.push(ContactField::Priority(Some(Priority::High)));
            fields.push(ContactField::RelationshipNote(Some(format!(
                "Strong champion at {}; knows the CFO.",
                company.name
            ))));
        }
        contacts.push(records::create(&mut tx, fields).await?);
    }
    if spec.slug == "bezeliq" {
        contacts.push(near_misses(&mut tx, &companies).await?);
    }
    let mut deals = Vec::new();
    for i in 0..companies.len() + 4 {
        let company = &companies[i % companies.len()];
        // Closed near-misses for arlo's names: one Acme deal lost, one
        // Volta deal won, so "the Acme deal" and "the Volta deal" each name
        // one open deal (the two open Meridian deals stay: a name that asks
        // back).
        let stage = match (spec.slug, i) {
            ("bezeliq", 9) => stages[5],
            ("bezeliq", 10) => stages[6],
            _ => stages[i % (STAGES.len() - 1)],
        };
        let d = records::create(
            &mut tx,
            vec![
                DealField::Name(format!(
                    "{} — {}",
                    company.name,
                    ["Pilot", "Expansion", "Renewal"][i % 3]
                )),
                DealField::Pipeline(sales),
                DealField::Stage(stage),
                DealField::AmountMicros(Some(((i as i64 % 5) + 1) * 12_500 * 1_000_000)),
                DealField::CloseDate(Some(today + Duration::days(14 + 9 * i as i64))),
                DealField::Company(Some(company.id)),
                DealField::Contact(Some(contacts[i % contacts.len()].id)),
                // Half the deals unassigned, so the owner filter has work to do.
                DealField::Owner(owner.filter(|_| i % 2 == 0)),
                DealField::Priority([None, Some(Priority::Critical), Some(Priority::Low)][i % 3]),
            ],
        )
        .await?;
        deals.push(d);
    }
    let intro = sequences::create(
        &mut tx,
        &SequenceInput {
            name: "Founder intro".into(),
            steps: vec![
                Step {
                    delay_days: 0,
                    business_days: false,
                    subject: "{{company}} and {{sender_name}}".into(),
                    body: "Hi {{first_name}},\n\nWould a short call next week be useful?\n\n{{sender_name}}".into(),
                    intent: Some("introduce us and ask for a short call".into()),
                },
                Step {
                    delay_days: 3,
                    business_days: true,
                    subject: "Following up".into(),
                    body: "Hi {{first_name}}, just bringing this back to the top of your inbox.".into(),
                    intent: Some("a gentle nudge".into()),
                },
                Step {
                    delay_days: 7,
                    business_days: false,
                    subject: "Closing the loop".into(),
                    body: "Hi {{first_name}}, I will leave it here; reply any time.".into(),
                    intent: Some("close the loop politely".into()),
                },
            ],
            window_start: chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
            window_end: chrono::NaiveTime::from_hms_opt(17, 0, 0).expect("valid"),
            weekdays: vec![1, 2, 3, 4, 5],
            time_zone: "Europe/London".into(),
            personalised: false,
        },
    )
    .await?;
    for c in contacts.iter().skip(1).step_by(5).take(3) {
        sequences::enroll(&mut tx, intro.id, c.id).await?;
    }
    demo_todos(&mut tx, owner, &contacts, &deals).await?;
    tx.commit().await?;

    // Arlo's side: operational fields and the activity history.
    let mut tx = db.begin(client, Actor::Agent).await?;
    let now = Utc::now();
    for (i, c) in contacts.iter().enumerate() {
        let when = now - Duration::hours(3 + 17 * i as i64);
        let deal = deals
            .iter()
            .find(|d| d.contact_id == Some(c.id))
            .map(|d| d.id);
        activities::log(
            &mut tx,
            NewActivity {
                kind: KINDS[i % KINDS.len()].into(),
                subject: Some(format!("Re: {} next steps", spec.name)),
                happens_at: Some(when),
                contact_id: Some(c.id),
                company_id: c.company_id,
                deal_id: deal,
                external_key: Some(format!("demo-{}-{i}", spec.slug)),
                ..Default::default()
            },
        )
        .await?;
        let mut ops = vec![
            ContactField::LastActivityAt(Some(when)),
            ContactField::EmailThreadCount((i % 4) as i32 + 1),
            ContactField::OpenCount((i % 6) as i32),
        ];
        if i % 2 == 0 {
            ops.push(ContactField::EnrichedAt(Some(
                now - Duration::hours(i as i64 + 1),
            )));
            ops.push(ContactField::LinkedinUrl(Some(format!(
                "https://www.linkedin.com/in/{}-{}-{i}",
                c.first_name.to_lowercase(),
                c.last_name.to_lowercase()
            ))));
        }
        records::update(&mut tx, c.id, ops).await?;
    }
    for (i, (company, (_, _, industry))) in companies.iter().zip(spec.companies).enumerate() {
        records::update(
            &mut tx,
            company.id,
            vec![
                CompanyField::Industry(Some(industry.to_string())),
                CompanyField::Employees(Some(20 + 45 * i as i32)),
                CompanyField::CompanySize(Some(["11-50", "51-200", "201-500"][i % 3].into())),
                CompanyField::EnrichedAt(Some(now - Duration::days(i as i64))),
            ],
        )
        .await?;
    }
    for (i, d) in deals.iter().enumerate() {
        // Every third deal has gone quiet: the pipeline-health check's food.
        let quiet = if i % 3 == 0 { 21 } else { 2 };
        records::update(
            &mut tx,
            d.id,
            vec![DealField::LastActivityAt(Some(now - Duration::days(quiet)))],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The founder's to-dos: one overdue, one due soon, one without a date.
async fn demo_todos(
    tx: &mut redkey_data::Tx,
    owner: Option<Uuid>,
    contacts: &[redkey_types::Contact],
    deals: &[redkey_types::Deal],
) -> anyhow::Result<()> {
    use redkey_data::{notes::Target, todos};
    let today = Utc::now().date_naive();
    let items = [
        (
            format!("Send {} the security questionnaire", contacts[0].first_name),
            Some(today - Duration::days(2)),
            Some(Target::Contact(contacts[0].id)),
        ),
        (
            format!("Agree pricing for {}", deals[0].name),
            Some(today + Duration::days(3)),
            Some(Target::Deal(deals[0].id)),
        ),
        ("Plan the quarter's outreach".to_string(), None, None),
    ];
    for (title, due, target) in items {
        let due_at = match due {
            Some(day) => Some(redkey_data::calendar::end_of_day(tx, day).await?),
            None => None,
        };
        todos::add(
            tx,
            todos::NewTodo {
                title,
                due_at,
                assignee_id: owner,
                target,
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(())
}
