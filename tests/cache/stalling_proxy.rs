//! A TCP proxy on 127.0.0.1 in front of Postgres that can stall the
//! connections that listen for change notifications: their bytes stop
//! flowing both ways, and nothing closes (no EOF, no reset), as when a
//! network path goes silent. Every other connection flows on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What `sqlx::postgres::PgListener` sends to start listening.
const LISTEN: &[u8] = br#"LISTEN "csp_changes""#;

pub struct StallingProxy {
    pub addr: SocketAddr,
    stalled: watch::Sender<bool>,
    /// Connections seen to listen so far.
    listeners: Arc<AtomicUsize>,
}

impl StallingProxy {
    /// Forwards every connection made to [`Self::addr`] to `upstream`.
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stalled, _) = watch::channel(false);
        let listeners = Arc::new(AtomicUsize::new(0));
        let proxy = StallingProxy {
            addr,
            stalled: stalled.clone(),
            listeners: Arc::clone(&listeners),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let listening = Arc::new(AtomicBool::new(false));
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(
                    client_read,
                    server_write,
                    Arc::clone(&listening),
                    stalled.subscribe(),
                    Some(Arc::clone(&listeners)),
                ));
                tokio::spawn(pump(
                    server_read,
                    client_write,
                    listening,
                    stalled.subscribe(),
                    None,
                ));
            }
        });
        proxy
    }

    /// Holds every byte of the listening connections until [`Self::resume`].
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }

    /// How many connections were seen to start listening.
    pub fn listeners(&self) -> usize {
        self.listeners.load(Ordering::SeqCst)
    }
}

/// Copies `from` to `to`; `upstream` (the client's direction, where a
/// connection shows that it listens) counts the listening connections.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    listening: Arc<AtomicBool>,
    mut stalled: watch::Receiver<bool>,
    upstream: Option<Arc<AtomicUsize>>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if let Some(listeners) = &upstream
            && buf[..n].windows(LISTEN.len()).any(|w| w == LISTEN)
            && !listening.swap(true, Ordering::SeqCst)
        {
            listeners.fetch_add(1, Ordering::SeqCst);
        }
        while *stalled.borrow_and_update() && listening.load(Ordering::SeqCst) {
            if stalled.changed().await.is_err() {
                return;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
