//! The engine's command line: serving (the default), migrating, and
//! managing API keys.

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::auth::{Scope, Secret, SecretKind};
use crate::store::{Store, credentials};

/// Quire's content engine.
#[derive(Debug, Parser)]
#[command(name = "quire-engine", version, about)]
pub struct Cli {
    /// What to do; serving when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the gRPC API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import a blog exported from another platform (safe to run twice: what
    /// was imported before is left as it is).
    Import {
        /// What the file is.
        #[command(subcommand)]
        from: ImportCommand,
    },
    /// Manage API keys for internal services.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        command: KeysCommand,
    },
}

/// Import sources.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (Tools → Export → All content: a WXR .xml file).
    Wordpress {
        /// The export file.
        file: std::path::PathBuf,
        /// Report what would be created, left out and refused, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A Ghost export (Settings → Advanced → Import/Export → Export: a .json file).
    Ghost {
        /// The export file.
        file: std::path::PathBuf,
        /// Report what would be created, left out and refused, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The Ghost site's address, for the `__GHOST_URL__` its exports
        /// write in place of it (images, links).
        #[arg(long)]
        site_url: Option<String>,
    },
}

/// API key sub-commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once (only its digest is stored).
    Create {
        /// A name saying who uses the key (e.g. "web").
        #[arg(long)]
        name: String,
        /// A scope the key carries; repeat for several. One of: content:read,
        /// content:write, comments:create, comments:moderate, admin.
        #[arg(long = "scope", required = true, value_parser = Scope::parse)]
        scopes: Vec<Scope>,
    },
    /// Revoke a key by id.
    Revoke {
        /// The key's id, as printed when it was created.
        id: Uuid,
    },
}

/// Runs `migrate`.
pub async fn migrate(store: &Store) -> anyhow::Result<()> {
    store.migrate().await.context("applying migrations")?;
    println!("database migrated");
    Ok(())
}

/// Runs `import`, printing its report.
pub async fn import(store: &Store, from: ImportCommand) -> anyhow::Result<()> {
    store.migrate().await.context("applying migrations")?;
    let (report, dry_run) = match from {
        ImportCommand::Wordpress { file, dry_run } => {
            let options = crate::import::Options { dry_run };
            (
                crate::import::wordpress(store, &file, options).await?,
                dry_run,
            )
        }
        ImportCommand::Ghost {
            file,
            dry_run,
            site_url,
        } => {
            let options = crate::import::Options { dry_run };
            let report = crate::import::ghost(store, &file, options, site_url.as_deref()).await?;
            (report, dry_run)
        }
    };
    if dry_run {
        println!("dry run: nothing was written");
    }
    print!("{report}");
    Ok(())
}

/// Runs `keys create` / `keys revoke`, printing the result for the operator.
pub async fn keys(store: &Store, command: KeysCommand) -> anyhow::Result<()> {
    store.migrate().await.context("applying migrations")?;
    let mut conn = store
        .pool()
        .acquire()
        .await
        .context("connecting to the database")?;
    match command {
        KeysCommand::Create { name, scopes } => {
            let id = Uuid::new_v4();
            let secret =
                Secret::generate(SecretKind::ApiKey).map_err(|error| anyhow::anyhow!("{error}"))?;
            let names: Vec<String> = scopes
                .iter()
                .map(|scope| scope.as_str().to_owned())
                .collect();
            credentials::insert_api_key(&mut conn, id, &name, &secret.digest, &names).await?;
            println!(
                "id:     {id}\nscopes: {}\nkey:    {}",
                names.join(" "),
                secret.text
            );
            eprintln!("Store the key now: it is not shown again.");
        }
        KeysCommand::Revoke { id } => {
            if credentials::revoke_api_key(&mut conn, id).await? {
                println!("revoked {id}");
            } else {
                anyhow::bail!("no active key has id {id}");
            }
        }
    }
    Ok(())
}
