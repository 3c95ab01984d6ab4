//! `redkey twenty attach | before-upgrade | after-upgrade`: the cockpit and
//! arlo over a live Twenty workspace schema (the adapter's own migrations,
//! never the main set's).

use clap::Subcommand;
use redkey_data::twenty::{self, Report};
use sqlx::PgPool;

#[derive(Subcommand)]
pub enum TwentyAction {
    /// Map client SLUG's contacts, companies and deals onto a Twenty
    /// workspace schema (run again to rebuild).
    Attach {
        /// The workspace schema, e.g. workspace_1wgvd1injqtife6y4rvfbu3h5.
        #[arg(long)]
        workspace_schema: String,
        #[arg(long)]
        client: String,
    },
    /// Before upgrading Twenty: drop what pins its columns.
    BeforeUpgrade,
    /// After upgrading Twenty: rebuild, and report any column it no longer has.
    AfterUpgrade,
}

pub async fn run(owner: &PgPool, action: TwentyAction) -> anyhow::Result<()> {
    match action {
        TwentyAction::Attach {
            workspace_schema,
            client,
        } => {
            crate::admin::migrate(owner).await?;
            let report = twenty::attach(owner, &workspace_schema, &client).await?;
            println!("{client} now reads and writes Twenty workspace {workspace_schema}");
            print(&report);
        }
        TwentyAction::BeforeUpgrade => {
            let n = twenty::before_upgrade(owner).await?;
            println!("adapter views dropped for {n} workspace(s); upgrade Twenty, then run after-upgrade");
        }
        TwentyAction::AfterUpgrade => {
            let report = twenty::after_upgrade(owner).await?;
            println!("adapter rebuilt for {} workspace(s)", report.attached);
            print(&report);
        }
    }
    Ok(())
}

fn print(report: &Report) {
    for m in &report.missing {
        println!("missing in Twenty (reads as empty, writes refused): {m}");
    }
    for u in &report.unmapped {
        println!("no Twenty source for (reads as empty): {u}");
    }
}
