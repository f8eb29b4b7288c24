use thiserror::Error;

/// Storage failures, as the layers above need to tell them apart.
#[derive(Debug, Error)]
pub enum StorageError {
    /// Start-up has not opened the database yet (maps to `UNAVAILABLE`).
    #[error("starting up: the database is not ready")]
    NotOpen,
    /// The database cannot be reached (maps to `UNAVAILABLE`).
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A row would duplicate an existing key; the message names the record.
    #[error("{0}")]
    Conflict(String),
    /// A page token that this server did not issue or cannot read.
    #[error("invalid page token")]
    BadPageToken,
    /// Anything else: logged in full, answered as `INTERNAL`.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A row that does not decode into the domain model (corrupt data).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => StorageError::Unavailable(e),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict(db.message().to_owned())
            }
            _ => StorageError::Database(e),
        }
    }
}
