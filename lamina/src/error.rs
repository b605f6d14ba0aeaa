//! The library's typed error. Each variant's message is the line the CLI prints (after
//! `error: `), followed by its sources joined with `: ` (see [`Error::report`]).

use thiserror::Error;

/// Everything that can go wrong driving the pipeline.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written; `what` names it.
    #[error("{what}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Bytes that should be JSON (or UTF-8 text) are not.
    #[error("{what}")]
    Json {
        /// Which file.
        what: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A text file that is not UTF-8.
    #[error("{what}")]
    Utf8 {
        /// Which file.
        what: String,
        /// The decoder's error.
        #[source]
        source: std::string::FromUtf8Error,
    },
    /// An input, setting, folder or file the pipeline refuses; the message says what and
    /// where.
    #[error("{0}")]
    Refused(String),
    /// The model pipeline (import, quantizer, slicing, witness, weight store) refused.
    #[error(transparent)]
    Blueprint(#[from] blueprints::BlueprintError),
    /// Circuit bytes that do not decode.
    #[error(transparent)]
    Decode(#[from] circuits::DecodeError),
    /// The prover failed (an internal error for an honest witness).
    #[error(transparent)]
    Prove(#[from] prover::ProveError),
    /// A verification key was refused.
    #[error(transparent)]
    Key(#[from] crate::key::KeyError),
    /// A proof was rejected.
    #[error(transparent)]
    Verify(#[from] prover::VerifyError),
    /// An error with what was being done when it happened.
    #[error("{what}")]
    Context {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: Box<Error>,
    },
}

/// The library's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The message and every source, joined with `: ` — the one line the CLI prints.
    pub fn report(&self) -> String {
        report_chain(self)
    }
}

/// `error` and every source, joined with `: `, each source's text written once: many
/// errors show their source in their own message too (`#[error("…: {0}")]` with
/// `#[from]`), and a chain printer that repeats it would print it twice.
pub fn report_chain(error: &dyn std::error::Error) -> String {
    let mut s = error.to_string();
    let mut cur = error.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !s.ends_with(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = e.source();
    }
    s
}

/// Shorthand for a [`Error::Refused`] result.
macro_rules! refuse {
    ($($t:tt)*) => {
        return Err($crate::error::Error::Refused(format!($($t)*)))
    };
}
pub(crate) use refuse;

/// Adds what was being done to an error (or names what is missing for an `Option`).
pub(crate) trait Context<T> {
    /// Wraps the error with `what()`.
    fn context_with(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context_with(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what(),
            source: Box::new(e.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context_with(self, what: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| Error::Refused(what()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("inner cause")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Outer(#[from] Inner);

    #[test]
    fn report_writes_each_cause_once() {
        // A message that already ends with its source's text does not repeat it.
        assert_eq!(report_chain(&Outer(Inner)), "outer: inner cause");
        let e = Error::Context {
            what: "slice 0: committing the weights".into(),
            source: Box::new(Error::Refused("no room".into())),
        };
        assert_eq!(e.report(), "slice 0: committing the weights: no room");
    }
}
