//! The `redkey` command line. Errors end in one clear line on stderr and a
//! non-zero exit, never a panic backtrace.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{anyhow, bail, Context};
use clap::{Parser, Subcommand};
use redkey_types::EmailAddress;

mod client;
mod people;
mod twenty;

use people::{read_password, TokenAction, UserAction};

use crate::{
    admin,
    config::Settings,
    pg::{Cluster, Kind},
    startup, telemetry,
};

#[derive(Parser)]
#[command(name = "redkey", version, about = "RedKey CRM server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the cockpit (a private Postgres cluster when DATABASE_URL is unset).
    Serve {
        /// Load the demo clients when the database has none.
        #[arg(long)]
        demo: bool,
    },
    /// Run arlo for every database `[runner]` lists (one shared runner for
    /// clients on databases of their own), with `/readyz` on REDKEY_LISTEN.
    Runner,
    /// Create the roles and apply pending migrations.
    Migrate,
    /// Load the demo clients (skipped when they exist).
    SeedDemo,
    /// Create a client (Twenty workspace).
    CreateClient {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// Create or update a cockpit user; the password is read from stdin.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// A client slug the user belongs to (repeat for several).
        #[arg(long = "client", required = true)]
        clients: Vec<String>,
        /// An admin of those clients (manages settings and members);
        /// otherwise a member, or what they already were.
        #[arg(long)]
        admin: bool,
    },
    /// Import contacts, companies or deals from a CSV file (Twenty's
    /// exports included) as a member of the client, with their authority.
    Import {
        /// The member the import acts as.
        #[arg(long = "as")]
        as_email: String,
        /// contacts, companies or deals.
        #[arg(long)]
        kind: String,
        /// The client's slug (needed when the member belongs to several).
        #[arg(long)]
        client: Option<String>,
        /// Correct a guessed column: HEADER=TARGET (or HEADER=ignore).
        #[arg(long = "column")]
        columns: Vec<String>,
        /// Report what would be created, updated and skipped; change nothing.
        #[arg(long)]
        dry_run: bool,
        file: PathBuf,
    },
    /// Disable or enable a user, set their password, or remove them from a
    /// client; each ends their sessions (in that client) at once.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Measure contact search and paging at scale (creates and fills the
    /// database redkey_bench on DATABASE_URL's server).
    BenchSearch {
        #[arg(long, default_value_t = 50_000)]
        contacts: i64,
    },
    /// Other agents' API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Onboard a client, or show its onboarding's state.
    Client {
        #[command(subcommand)]
        action: client::ClientAction,
    },
    /// When a client's daily pipeline-health check runs.
    SetSchedule {
        #[arg(long)]
        client: String,
        /// Local time, like 07:30.
        #[arg(long)]
        at: String,
        /// An IANA time zone, like Europe/Berlin.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Measure the cockpit's pages over HTTP with wrk on the benchmark data
    /// set (database redkey_bench_http on DATABASE_URL's server, loaded once;
    /// this binary is started as the server).
    BenchHttp {
        #[arg(long, default_value_t = 3100)]
        port: u16,
        /// Seconds of load per page and connection count.
        #[arg(long, default_value_t = 5)]
        seconds: u32,
        /// Only load the data set.
        #[arg(long)]
        load_only: bool,
        /// The same data set in a Twenty workspace the client is attached to.
        #[arg(long)]
        twenty: bool,
    },
    /// Check the configuration and every service it names (database,
    /// serving login, Resend, the model) before a deploy: one line each.
    Check,
    /// Write a consistent backup of the database (pg_dump's custom format;
    /// the server may keep running).
    Backup {
        /// The file to write (default: redkey-DATABASE-TIME.dump).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Restore a backup into an empty database, then apply this build's
    /// newer migrations.
    Restore { file: PathBuf },
    /// Erase a person on request: their contact, mail, activities, notes,
    /// files and every other trace, in one client or all; a hashed
    /// suppression keeps them from being mailed again.
    Forget {
        #[arg(long)]
        email: String,
        /// Only in this client (default: every client of the database).
        #[arg(long)]
        client: Option<String>,
    },
    /// Write one client's records (CSV and JSON) and files to a zip.
    Export {
        /// The client's slug.
        #[arg(long)]
        client: String,
        /// The file to write (default: redkey-SLUG-TIME.zip).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure how fast a CSV import runs (creates and fills the database
    /// redkey_bench_import on DATABASE_URL's server).
    BenchImport {
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
    },
    /// Measure how fast the task queue drains (creates and fills the
    /// database redkey_bench_queue on DATABASE_URL's server).
    BenchQueue {
        #[arg(long, default_value_t = 20_000)]
        tasks: usize,
        #[arg(long, default_value_t = 8)]
        workers: usize,
        /// Clients the tasks are spread over (claims share between them).
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// Serve through a transaction-mode pooler (PgBouncer) listening on
        /// 127.0.0.1:PORT in front of DATABASE_URL's server.
        #[arg(long)]
        pooler_port: Option<u16>,
    },
    /// The secret store: `rotate` re-seals every stored credential under
    /// REDKEY_SECRET_KEY (the old key listed in REDKEY_SECRET_KEYS_OLD);
    /// `new-key` prints a fresh key.
    Secrets {
        #[command(subcommand)]
        action: SecretsAction,
    },
    /// Run the cockpit and arlo over a live Twenty workspace schema.
    Twenty {
        #[command(subcommand)]
        action: twenty::TwentyAction,
    },
    /// Manage a private Postgres cluster.
    Pg {
        #[command(subcommand)]
        action: PgAction,
    },
}

#[derive(Subcommand)]
enum SecretsAction {
    Rotate,
    NewKey,
    /// Stores the model's or the enrichment provider's key (read from
    /// stdin), sealed, for servers that start without it in the
    /// environment.
    Put {
        #[arg(value_parser = ["anthropic", "enrichment"])]
        name: String,
    },
}

#[derive(Subcommand)]
enum PgAction {
    /// Start (or attach to) the cluster and print its superuser URL.
    Start {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Stop the cluster if it runs.
    Stop {
        #[arg(long)]
        dir: PathBuf,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(anyhow!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
    ExitCode::FAILURE
}

async fn run(command: Command) -> anyhow::Result<()> {
    if let Command::Pg { action } = command {
        return match action {
            PgAction::Start { dir } => {
                let c = Cluster::start(&dir, Kind::Throwaway)?;
                println!("{}", c.url("postgres"));
                Ok(())
            }
            PgAction::Stop { dir } => Cluster::stop_dir(&dir),
        };
    }
    if let Command::Secrets {
        action: SecretsAction::NewKey,
    } = command
    {
        println!("{}", redkey_data::secrets::SecretBox::generate_key());
        return Ok(());
    }
    if let Command::Check = command {
        return check().await;
    }
    let settings = Settings::load()?;
    if let Command::Serve { demo } = command {
        return startup::serve(settings, startup::ServeOptions { demo }).await;
    }
    if let Command::Client { action } = command {
        return client::run(&settings, action).await;
    }
    if let Command::Runner = command {
        return startup::run_runner(settings).await;
    }
    let Some(url) = settings.database.owner.clone() else {
        bail!("DATABASE_URL is not set (this command needs the owner credential)");
    };
    let owner = admin::owner_pool(&url).await?;
    match command {
        Command::Migrate => {
            admin::migrate(&owner).await.context("migration failed")?;
            println!(
                "migrations applied (schema version {})",
                admin::latest_migration()
            );
        }
        Command::SeedDemo => {
            admin::migrate(&owner).await.context("migration failed")?;
            let db = admin::serving_db(&settings.database, &settings.database.serving_url(&url), 4)
                .await?;
            if admin::seed::seed(&owner, &db).await? {
                println!("demo data loaded; sign in as {}", admin::seed::DEMO_EMAIL);
            } else {
                println!("demo data already present");
            }
        }
        Command::CreateClient { slug, name } => {
            let id = admin::create_client(&owner, &slug, &name)
                .await
                .with_context(|| format!("cannot create client {slug}"))?;
            println!("client {slug} created ({id})");
        }
        Command::CreateUser {
            email,
            name,
            clients,
            admin,
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow!(e))?;
            let password = read_password(&email)?;
            let id = admin::upsert_user(&owner, &email, &name, &password, &clients, admin)
                .await
                .with_context(|| format!("cannot save user {email}"))?;
            println!("user {email} saved ({id})");
        }
        Command::User { action } => people::user(&owner, action).await?,
        Command::Import {
            as_email,
            kind,
            client,
            columns,
            dry_run,
            file,
        } => {
            let db = admin::serving_db(&settings.database, &settings.database.serving_url(&url), 2)
                .await?;
            let args = crate::import::cli::Args {
                as_email,
                client,
                kind,
                file,
                columns,
                dry_run,
            };
            crate::import::cli::run(&db, args).await?
        }
        Command::BenchSearch { contacts } => crate::bench::search::run(&url, contacts).await?,
        Command::BenchHttp {
            port,
            seconds,
            load_only,
            twenty,
        } => {
            crate::bench::http::run(
                &url,
                crate::bench::http::Options {
                    port,
                    seconds,
                    load_only,
                    twenty,
                },
            )
            .await?
        }
        Command::Backup { out } => {
            let out = out.unwrap_or_else(|| {
                let db = url
                    .options()
                    .get_database()
                    .unwrap_or("postgres")
                    .to_string();
                let at = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                PathBuf::from(format!("redkey-{db}-{at}.dump"))
            });
            let done = admin::backup::backup(&url, &owner, &out, true).await?;
            println!(
                "backup written to {} (schema version {})",
                done.path.display(),
                done.schema
            );
        }
        Command::Restore { file } => {
            let done = admin::backup::restore(&url, &owner, &file).await?;
            println!(
                "restored {} (schema version {}, now {})",
                done.path.display(),
                done.schema,
                admin::latest_migration()
            );
        }
        Command::Forget { email, client } => {
            let store = crate::files::store(&settings)?;
            people::forget(&owner, store.as_ref(), &email, client.as_deref()).await?
        }
        Command::Export { client, out } => {
            let out = out.unwrap_or_else(|| {
                let at = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                PathBuf::from(format!("redkey-{client}-{at}.zip"))
            });
            let store = crate::files::store(&settings)?;
            let done = admin::export::export(&owner, store.as_ref(), &client, &out).await?;
            let rows: i64 = done.rows.iter().map(|(_, n)| n).sum();
            println!(
                "{client} exported to {} ({rows} rows, {} files)",
                done.path.display(),
                done.files
            );
        }
        Command::BenchImport { rows } => crate::bench::import::run(&url, rows.max(1)).await?,
        Command::BenchQueue {
            tasks,
            workers,
            clients,
            pooler_port,
        } => {
            let (workers, clients) = (workers.max(1), clients.max(1));
            crate::bench::queue::run(&url, tasks, workers, clients, pooler_port).await?
        }
        Command::Token { action } => people::token(&owner, action).await?,
        Command::Twenty { action } => twenty::run(&owner, action).await?,
        Command::SetSchedule {
            client,
            at,
            time_zone,
        } => {
            let at = chrono::NaiveTime::parse_from_str(&at, "%H:%M")
                .map_err(|_| anyhow!("--at {at:?} is not a time like 07:30"))?;
            redkey_data::admin::set_schedule(&owner, &client, at, &time_zone).await?;
            println!("{client}: pipeline health daily at {at} {time_zone}");
        }
        Command::Secrets { action } => {
            let Some(store) = settings.secrets.open()? else {
                bail!("REDKEY_SECRET_KEY is not set");
            };
            admin::migrate(&owner).await.context("migration failed")?;
            match action {
                SecretsAction::Put { name } => {
                    eprintln!("the {name} key (one line on stdin):");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    let value = line.trim();
                    if value.is_empty() {
                        bail!("no key given");
                    }
                    let stored = format!("{name}_api_key");
                    redkey_data::secrets::put_product(&owner, &store, &stored, value).await?;
                    println!("{name} key stored, sealed");
                }
                _ => {
                    let n = redkey_data::sources::reseal_all(&owner, &store).await?
                        + redkey_data::secrets::reseal_product(&owner, &store).await?;
                    println!("{n} credential(s) re-sealed under the current key");
                }
            }
        }
        Command::Serve { .. }
        | Command::Pg { .. }
        | Command::Check
        | Command::Client { .. }
        | Command::Runner => {
            unreachable!("handled above")
        }
    }
    Ok(())
}

/// Prints one line per check; fails when any does.
async fn check() -> anyhow::Result<()> {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            println!(
                "FAIL {:<16} {}",
                "configuration",
                admin::one_line(&format!("{e:#}"))
            );
            bail!("the configuration is not valid");
        }
    };
    let lines = admin::check::run(&settings).await;
    for l in &lines {
        println!("{l}");
    }
    let failed = lines.iter().filter(|l| !l.ok).count();
    if failed > 0 {
        bail!("{failed} check(s) failed");
    }
    Ok(())
}
