//! One thread owns the chain. The devnet is single-threaded (revm's EVM memory is
//! reference-counted, so a `Devnet` is not `Send`): it is built on that thread and never leaves
//! it. Request handlers send it jobs and await the answers; jobs run one at a time, in arrival
//! order, so requests are served concurrently and state changes never interleave.
//! With a block time the same thread seals a block whenever the interval has passed.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::config::NodeConfig;
use crate::error::NodeError;
use crate::state::{ChainInfo, NodeState, SetupError};

/// Jobs that may wait for the chain thread before senders block.
const QUEUE: usize = 1024;

/// Stack of the chain thread: Stylus ↔ EVM nesting runs on the native stack.
const STACK_BYTES: usize = 256 * 1024 * 1024;

type Job = Box<dyn FnOnce(&mut NodeState) + Send>;

/// What the chain thread is asked to do.
enum Message {
    /// Run a job.
    Run(Job),
    /// Stop serving (the node is shutting down).
    Stop,
}

/// A handle to the chain thread; cheap to clone.
#[derive(Clone)]
pub struct ChainHandle {
    jobs: SyncSender<Message>,
    info: ChainInfo,
}

impl ChainHandle {
    /// Runs `f` on the chain and returns its result.
    ///
    /// # Errors
    ///
    /// [`NodeError::Internal`] when the chain thread has stopped (or panicked in `f`).
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut NodeState) -> R + Send + 'static,
    ) -> Result<R, NodeError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |state| {
            let _ = reply.send(f(state));
        });
        self.jobs.try_send(Message::Run(job)).map_err(|e| match e {
            TrySendError::Full(_) => NodeError::Internal(format!(
                "the node is busy: {QUEUE} requests are waiting for the chain"
            )),
            TrySendError::Disconnected(_) => NodeError::Internal("the chain has stopped".into()),
        })?;
        answer
            .await
            .map_err(|_| NodeError::Internal("the chain dropped the request".into()))
    }

    /// Asks the chain thread to stop after the jobs already queued.
    pub fn shutdown(&self) {
        let _ = self.jobs.send(Message::Stop);
    }

    /// What was deployed and funded at start.
    pub fn info(&self) -> &ChainInfo {
        &self.info
    }
}

/// Starts the chain thread: builds the chain there and returns a handle once it is ready,
/// with the thread's join handle (the thread ends when every handle is dropped).
///
/// # Errors
///
/// The chain's setup failing (e.g. missing fixtures).
pub fn spawn(config: &NodeConfig) -> Result<(ChainHandle, JoinHandle<()>), SetupError> {
    let (jobs, queue) = mpsc::sync_channel::<Message>(QUEUE);
    let (ready, started) = mpsc::channel();
    let config = config.clone();
    let thread = std::thread::Builder::new()
        .name("chain".into())
        .stack_size(STACK_BYTES)
        .spawn(move || match NodeState::new(&config) {
            Ok(mut state) => {
                let _ = ready.send(Ok(state.info.clone()));
                serve(&mut state, &queue, config.block_time);
            }
            Err(error) => {
                let _ = ready.send(Err(error));
            }
        })
        .map_err(|e| SetupError(format!("starting the chain thread: {e}")))?;
    let info = started
        .recv()
        .map_err(|_| SetupError("the chain thread stopped while starting".into()))??;
    Ok((ChainHandle { jobs, info }, thread))
}

/// Runs jobs until asked to stop (or every handle is gone); seals a block every
/// `block_time` if set.
fn serve(state: &mut NodeState, queue: &Receiver<Message>, block_time: Option<Duration>) {
    let mut next_block = block_time.map(|interval| Instant::now() + interval);
    loop {
        let message = match next_block {
            None => queue.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => queue.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match message {
            Ok(Message::Run(job)) => run_job(state, job),
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if let (Some(at), Some(interval)) = (next_block.as_mut(), block_time) {
            if Instant::now() >= *at {
                state.seal();
                *at += interval;
            }
        }
    }
}

/// Runs one job; a panic in it is contained (its caller sees the dropped reply) so the chain
/// keeps serving.
fn run_job(state: &mut NodeState, job: Job) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(state)));
    if result.is_err() {
        eprintln!("a request panicked on the chain thread; the chain goes on");
    }
}
