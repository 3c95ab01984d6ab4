//! `redkey import --as EMAIL --kind contacts FILE`: the cockpit's import
//! from a terminal, with the same guessed columns (corrected with
//! `--column`), the same runs, and a progress bar.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use redkey_data::{imports, users, Actor, ClientId, Db};
use redkey_types::{
    import::{header_key, Target},
    TableKind,
};

use super::Runner;

pub struct Args {
    pub as_email: String,
    pub client: Option<String>,
    pub kind: String,
    pub file: PathBuf,
    /// `Header=target` (or `Header=ignore`) corrections of the guess.
    pub columns: Vec<String>,
    pub dry_run: bool,
}

pub async fn run(db: &Db, args: Args) -> anyhow::Result<()> {
    let kind = TableKind::parse(&args.kind)
        .ok_or_else(|| anyhow!("--kind is contacts, companies or deals"))?;
    let user = users::by_email(db, &args.as_email)
        .await?
        .ok_or_else(|| anyhow!("no user {}", args.as_email))?;
    let clients = users::clients_of(db, user.id).await?;
    let client = match (&args.client, clients.as_slice()) {
        (Some(slug), _) => clients
            .iter()
            .find(|c| &c.slug == slug)
            .ok_or_else(|| anyhow!("{} is not a member of {slug}", args.as_email))?,
        (None, [only]) => only,
        (None, []) => bail!("{} is not a member of any client", args.as_email),
        (None, _) => bail!(
            "{} belongs to several clients: name one with --client",
            args.as_email
        ),
    };
    let client = ClientId(client.id);
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let content = String::from_utf8(bytes).map_err(|_| anyhow!("the file is not UTF-8 text"))?;
    let name = args
        .file
        .file_name()
        .map_or("import.csv".into(), |n| n.to_string_lossy().to_string());

    let mut tx = db.begin(client, Actor::User(user.id)).await?;
    let id = imports::create(&mut tx, kind, &name, &content).await?;
    let mut import = imports::get(&mut tx, id).await?;
    for correction in &args.columns {
        let (header, target) = correction
            .split_once('=')
            .ok_or_else(|| anyhow!("--column is HEADER=TARGET, not {correction:?}"))?;
        let col = import
            .headers
            .iter()
            .position(|h| header_key(h) == header_key(header))
            .ok_or_else(|| anyhow!("the file has no column {header:?}"))?;
        import.mapping[col] = match target.trim() {
            "ignore" | "" => None,
            t => Some(Target::parse(t).ok_or_else(|| anyhow!("{t:?} is not a column meaning"))?),
        };
    }
    imports::set_mapping(&mut tx, id, &import.mapping).await?;
    let run = imports::start(&mut tx, id, !args.dry_run).await?;
    tx.commit().await?;

    for (header, target) in import.headers.iter().zip(&import.mapping) {
        let meaning = target.map_or("(ignored)".to_string(), |t| {
            format!("{} [{}]", t.label(), t.as_str())
        });
        eprintln!("  {header:>32} → {meaning}");
    }
    let label = if args.dry_run { "dry run" } else { "importing" };
    let tally = Runner::default()
        .run_with_bar(db, client, id, label)
        .await?;

    let mut tx = db.begin(client, Actor::User(user.id)).await?;
    let report = imports::report(&mut tx, id, run, 50).await?;
    tx.commit().await?;
    for l in report.lines.iter().filter(|l| l.reason.is_some()) {
        eprintln!(
            "  line {}: {} — {}",
            l.line,
            l.outcome,
            l.reason.as_deref().unwrap_or_default()
        );
    }
    let verb = if args.dry_run { "would be" } else { "were" };
    println!(
        "{} {verb} created, {} updated, {} unchanged, {} skipped, {} failed",
        tally.created, tally.updated, tally.unchanged, tally.skipped, tally.failed
    );
    Ok(())
}
