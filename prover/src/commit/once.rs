//! A [`HidingScheme`] seen through the [`CommitmentScheme`] interface GKR proves with,
//! with "open once" enforced at run time instead of by the type system.
//!
//! **Why an adapter.** GKR's prover and verifier are generic over
//! [`CommitmentScheme`], whose prover data is `Clone` (the model's weights are committed
//! once and cloned into each proof). A hiding commitment's prover data must be opened at
//! most once ([`super::hiding`]): its randomness covers one opening's query rows. Rather
//! than duplicate the GKR prover for hiding schemes, [`OpenOnce`] wraps the data in one
//! shared slot ([`OnceData`]): clones share the slot, the first [`CommitmentScheme::open`]
//! takes the data out, and every later one fails with [`CommitError::OpenedTwice`]. A
//! hiding commitment cloned into two proofs therefore cannot be opened by both.
//!
//! **Randomness.** Every commitment gets its own ChaCha20 seed, drawn from one generator
//! the adapter owns (seeded from the operating system, or from a caller's seed for
//! reproducible bytes, [`ZkRng`]). Two adapters built from the same seed draw the same
//! commitment randomness: a seed is for one proof.
//!
//! **Padding.** Hiding WHIR commits a region's whole span without proving its padding
//! zero, so [`CommitmentScheme::ZERO_PADDING`] is false: prover and verifier refuse a
//! circuit whose gates read a committed region's padding, as for binding WHIR.

use super::hiding::{HidingScheme, ZkRng};
use super::{CommitError, CommitmentScheme, Digest};
use crate::arith::{ExtensionField, Field};
use crate::transcript::Transcript;
use rand::Rng;
use rand::rngs::ChaCha20Rng;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

/// A hiding scheme usable where a [`CommitmentScheme`] is expected; its prover data opens
/// once however often it is cloned.
#[derive(Debug)]
pub struct OpenOnce<'a, H> {
    scheme: &'a H,
    // `None` for a verifier's adapter: it never commits.
    rng: Option<Mutex<ChaCha20Rng>>,
}

impl<'a, H> OpenOnce<'a, H> {
    /// The adapter over `scheme`, drawing each commitment's seed from `rng`.
    pub fn new(scheme: &'a H, rng: &ZkRng) -> Result<Self, CommitError> {
        Ok(OpenOnce {
            scheme,
            rng: Some(Mutex::new(rng.chacha()?)),
        })
    }

    /// A verifier's adapter over `scheme`: it verifies openings and refuses to commit
    /// (it holds no generator).
    pub fn verifier(scheme: &'a H) -> Self {
        OpenOnce { scheme, rng: None }
    }

    /// The wrapped scheme.
    pub fn scheme(&self) -> &'a H {
        self.scheme
    }

    fn next_seed(&self) -> Result<[u8; 32], CommitError> {
        let mut rng = self
            .rng
            .as_ref()
            .ok_or_else(|| CommitError::Parameters("a verifier's adapter cannot commit".into()))?
            .lock()
            .map_err(|_| CommitError::Parameters("the commitment generator is poisoned".into()))?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Ok(seed)
    }
}

/// The hiding prover data in a slot its clones share: the first opening takes it.
pub struct OnceData<D>(Arc<Mutex<Option<D>>>);

impl<D> Clone for OnceData<D> {
    fn clone(&self) -> Self {
        OnceData(Arc::clone(&self.0))
    }
}

impl<D> std::fmt::Debug for OnceData<D> {
    // The data holds the committed values and their randomness: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = self.0.lock().map(|d| d.is_some()).unwrap_or(false);
        write!(f, "OnceData {{ unopened: {open} }}")
    }
}

impl<D> OnceData<D> {
    /// Prover data committed elsewhere, in a fresh slot.
    pub(crate) fn new(data: D) -> Self {
        OnceData(Arc::new(Mutex::new(Some(data))))
    }

    /// Whether the data is still there to be opened.
    pub fn is_unopened(&self) -> bool {
        self.0.lock().map(|d| d.is_some()).unwrap_or(false)
    }

    fn take(&self) -> Result<D, CommitError> {
        self.0
            .lock()
            .map_err(|_| CommitError::OpenedTwice)?
            .take()
            .ok_or(CommitError::OpenedTwice)
    }
}

impl<F, E, H> CommitmentScheme<F, E> for OpenOnce<'_, H>
where
    F: Field,
    E: ExtensionField<F>,
    H: HidingScheme<F, E>,
{
    const ZERO_PADDING: bool = false;
    type ProverData = OnceData<H::ProverData>;
    type Opening = H::Opening;

    fn id(&self) -> Cow<'static, str> {
        self.scheme.id()
    }

    fn commit(&self, values: &[F], log_len: u8) -> Result<(Digest, Self::ProverData), CommitError> {
        let seed = self.next_seed()?;
        let (digest, data) = self.scheme.commit(values, log_len, ZkRng::Seeded(seed))?;
        Ok((digest, OnceData::new(data)))
    }

    fn open(
        &self,
        data: Self::ProverData,
        points: &[&[E]],
        t: &mut Transcript,
    ) -> Result<Self::Opening, CommitError> {
        self.scheme.open(data.take()?, points, t)
    }

    fn claimed_evaluations(&self, opening: &Self::Opening) -> Option<Vec<E>> {
        self.scheme.claimed_evaluations(opening)
    }

    fn verify(
        &self,
        commitment: &Digest,
        log_len: u8,
        len: usize,
        points: &[&[E]],
        opening: &Self::Opening,
        t: &mut Transcript,
    ) -> Result<Vec<E>, CommitError> {
        self.scheme
            .verify(commitment, log_len, len, points, opening, t)
    }
}
