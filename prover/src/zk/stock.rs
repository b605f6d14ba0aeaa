//! The weights stock (`docs/design/zero-knowledge.md` §4): `K` one-time hiding
//! commitments to one model's weights, so that each zero-knowledge proof opens a
//! commitment no other proof opens.
//!
//! **Why.** A hiding commitment's randomness covers one opening. The model's weights are
//! fixed, so a single commitment opened by every proof would leak them after enough
//! proofs, and linking a fresh per-proof commitment to one fixed commitment needs that
//! fixed commitment opened per proof too. Instead the key commits to a stock:
//!
//! - entry `i` is a hiding commitment `C_i` to `P_i = [W ‖ N_0 | N_i]`: the weights, key
//!   noise `N_0` after them in the lower half, fresh noise `N_i` at the start of the upper
//!   half ([`circuits::zk::WeightsNoise`]);
//! - the key holds the BLAKE3 Merkle root over the leaves `H(i ‖ C_i)`, the size `K`, and
//!   `y_eq = P̃(z_eq ⊕ 0)`, the lower half's value at an *agreement point* `z_eq` derived
//!   from the circuit digest, the root and `K`;
//! - proof `i` carries `C_i`'s Merkle path and opens `C_i` once, at GKR's points and at
//!   `z_eq ⊕ 0`; the verifier checks the path and that the value at `z_eq ⊕ 0` is `y_eq`.
//!
//! **Soundness.** Every `C_i` is fixed before `z_eq` (the root is hashed into it). Two
//! accepted proofs whose lower halves differ need two different candidate polynomials to
//! agree at `z_eq`: probability at most `(K·L)²·w/|E|` for Johnson lists of size `L`. So
//! every accepted proof under one key uses one `W ‖ N_0`, and gates read only `W`.
//!
//! **Zero knowledge.** Each `C_i` is opened once (this module's [`WeightsStock`] refuses
//! an index twice in one process; across processes the caller keeps a ledger). Its values
//! at GKR's points carry `N_i`: 16 fresh slots against 6 revealed base coordinates. `y_eq`
//! carries `N_0` (8 slots against 3), and `N_0` reaches GKR's reveals only together with
//! a fresh `N_i`.
//!
//! **Secrets.** The stock is a function of the model owner's 32-byte `master` secret
//! (noise, and each entry's commitment randomness, are PRFs of it), so the prover can
//! recreate `C_i` when it proves; the key holds no secret.

use super::gate_proofs::{ZkCircuit, ZkExt, hiding_scheme};
use crate::arith::{Field, Goldilocks};
use crate::commit::{Digest, HidingData, HidingScheme, ZkRng};
use crate::error::{ProveError, VerifyError};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use circuits::zk::{WEIGHTS_KEY_NOISE, WEIGHTS_PROOF_NOISE, WeightsNoise};
use rand::Rng;
use std::sync::Mutex;

/// The most commitments one stock holds (the path depth is at most 20).
pub const STOCK_MAX: u32 = 1 << 20;
/// Magic bytes of a stored stock (the prover's secret).
pub const STOCK_MAGIC: [u8; 4] = *b"LAMS";
/// Version of the stored stock encoding.
pub const STOCK_FORMAT_VERSION: u32 = 1;

/// What a verification key holds for the stock: the Merkle root over the entries, their
/// number, and the agreement value `y_eq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockKey {
    /// Merkle root over the leaves `H(i ‖ C_i)`.
    pub root: Digest,
    /// `K`, the number of entries.
    pub size: u32,
    /// The lower half's value at the agreement point.
    pub y_eq: ZkExt,
}

impl StockKey {
    /// Appends the encoding: `root (32) | size u32 | y_eq`.
    pub fn encode(&self, w: &mut Writer) {
        w.bytes(&self.root);
        w.u32(self.size);
        self.y_eq.encode(w);
    }

    /// Reads an encoding strictly (size in `1..=STOCK_MAX`).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let root = r.digest("stock root")?;
        let size = r.u32("stock size")?;
        if !(1..=STOCK_MAX).contains(&size) {
            return Err(DecodeError::Length {
                len: size.into(),
                what: "stock size",
                offset: 0,
            });
        }
        let y_eq = ZkExt::decode(r)?;
        Ok(StockKey { root, size, y_eq })
    }
}

/// Which stock entry a proof opens, and the Merkle path from its leaf to the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockPath {
    /// The entry's index.
    pub index: u32,
    /// Sibling digests, leaf level first.
    pub siblings: Vec<Digest>,
}

impl StockPath {
    /// Appends the encoding: `index u32 | depth u8 | siblings`.
    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.index);
        // At most log2(STOCK_MAX) siblings: fits a byte.
        w.u8(self.siblings.len() as u8);
        for s in &self.siblings {
            w.bytes(s);
        }
    }

    /// Reads an encoding strictly (depth at most 20).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let index = r.u32("stock index")?;
        let depth = r.u8("stock path depth")?;
        if u32::from(depth) > STOCK_MAX.trailing_zeros() {
            return Err(DecodeError::Length {
                len: depth.into(),
                what: "stock path depth",
                offset: 0,
            });
        }
        let siblings = (0..depth)
            .map(|_| r.digest("stock path sibling"))
            .collect::<Result<_, _>>()?;
        Ok(StockPath { index, siblings })
    }
}

fn leaf(index: u32, commitment: &Digest) -> Digest {
    let mut h = blake3::Hasher::new_derive_key("lamina zk stock leaf v1");
    h.update(&index.to_le_bytes());
    h.update(commitment);
    *h.finalize().as_bytes()
}

fn node(left: &Digest, right: &Digest) -> Digest {
    let mut h = blake3::Hasher::new_derive_key("lamina zk stock node v1");
    h.update(left);
    h.update(right);
    *h.finalize().as_bytes()
}

fn empty_leaf() -> Digest {
    *blake3::Hasher::new_derive_key("lamina zk stock empty leaf v1")
        .finalize()
        .as_bytes()
}

/// Every level of the tree over the entries' leaves `H(i ‖ C_i)`, leaf level first,
/// padded to a power of two with the empty leaf; the last level is the root alone.
fn tree(commitments: &[Digest]) -> Vec<Vec<Digest>> {
    let mut level: Vec<Digest> = (0u32..).zip(commitments).map(|(i, c)| leaf(i, c)).collect();
    level.resize(commitments.len().next_power_of_two().max(1), empty_leaf());
    let mut out = vec![level];
    while let Some(last) = out.last().filter(|l| l.len() > 1) {
        let next = last.chunks(2).map(|p| node(&p[0], &p[1])).collect();
        out.push(next);
    }
    out
}

/// Checks `path` from `commitment`'s leaf to `key.root`.
pub(crate) fn check_path(
    key: &StockKey,
    path: &StockPath,
    commitment: &Digest,
) -> Result<(), VerifyError> {
    let depth = (key.size as usize).next_power_of_two().trailing_zeros() as usize;
    if path.index >= key.size || path.siblings.len() != depth {
        return Err(VerifyError::StockPath);
    }
    let mut at = leaf(path.index, commitment);
    for (level, s) in path.siblings.iter().enumerate() {
        at = if (path.index >> level) & 1 == 0 {
            node(&at, s)
        } else {
            node(s, &at)
        };
    }
    if at == key.root {
        Ok(())
    } else {
        Err(VerifyError::StockPath)
    }
}

/// The agreement point on the whole weights region: `z_eq` on the lower half's variables
/// (from the circuit digest, the root and the size), then 0 for the top variable.
pub(crate) fn agreement_point(
    circuit_digest: &[u8; 32],
    root: &Digest,
    size: u32,
    noise: &WeightsNoise,
) -> Vec<ZkExt> {
    let mut h = blake3::Hasher::new_derive_key("lamina zk weights agreement v1");
    h.update(circuit_digest);
    h.update(root);
    h.update(&size.to_le_bytes());
    let mut xof = h.finalize_xof();
    let mut buf = vec![0u8; <ZkExt as Field>::UNIFORM_BYTES];
    let mut point: Vec<ZkExt> = (0..noise.lower_log_len)
        .map(|_| {
            xof.fill(&mut buf);
            ZkExt::from_uniform_bytes(&buf)
        })
        .collect();
    point.push(ZkExt::ZERO);
    point
}

/// `n` base elements from a PRF of `master` under `label` and `index` (the stock's
/// noise, and a chain's boundary noise).
pub(super) fn prf(master: &[u8; 32], label: &[u8], index: u32, n: usize) -> Vec<Goldilocks> {
    let mut h = blake3::Hasher::new_keyed(master);
    h.update(label);
    h.update(&index.to_le_bytes());
    let mut xof = h.finalize_xof();
    let mut buf = vec![0u8; <Goldilocks as Field>::UNIFORM_BYTES];
    (0..n)
        .map(|_| {
            xof.fill(&mut buf);
            Goldilocks::from_uniform_bytes(&buf)
        })
        .collect()
}

fn entry_seed(master: &[u8; 32], index: u32) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(master);
    h.update(b"lamina zk stock commitment randomness v1");
    h.update(&index.to_le_bytes());
    *h.finalize().as_bytes()
}

/// The prover's side of a stock: the master secret, every entry's commitment, and which
/// entries this process has opened. As secret as the weights.
pub struct WeightsStock {
    master: [u8; 32],
    commitments: Vec<Digest>,
    /// The Merkle tree over the entries (its root is the key's), kept for the paths.
    tree: Vec<Vec<Digest>>,
    key: StockKey,
    noise: WeightsNoise,
    log_len: u8,
    used: Mutex<Vec<bool>>,
}

impl std::fmt::Debug for WeightsStock {
    // The master secret determines every noise value: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeightsStock")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl WeightsStock {
    /// Commits `size` entries to `weights` (the original circuit's weights) for `zk`,
    /// with a master secret drawn from `rng`. Costs `size` hiding commitments.
    pub fn build(
        zk: &ZkCircuit,
        weights: &[Goldilocks],
        size: u32,
        rng: &ZkRng,
    ) -> Result<Self, ProveError> {
        let noise = zk.weights_noise().ok_or(ProveError::NoWeightsRegion)?;
        if !(1..=STOCK_MAX).contains(&size) {
            return Err(ProveError::Stock("a stock size outside 1..=2^20"));
        }
        if weights.len() != noise.weights_len as usize {
            return Err(ProveError::Length {
                what: "weights",
                expected: noise.weights_len as usize,
                got: weights.len(),
            });
        }
        let mut master = [0u8; 32];
        rng.chacha()?.fill_bytes(&mut master);
        Self::with_master(zk, weights, size, master)
    }

    /// The stock `master` determines for `weights` (every entry recommitted).
    fn with_master(
        zk: &ZkCircuit,
        weights: &[Goldilocks],
        size: u32,
        master: [u8; 32],
    ) -> Result<Self, ProveError> {
        let noise = zk.weights_noise().ok_or(ProveError::NoWeightsRegion)?;
        if weights.len() != noise.weights_len as usize {
            return Err(ProveError::Length {
                what: "weights",
                expected: noise.weights_len as usize,
                got: weights.len(),
            });
        }
        let log_len = noise.lower_log_len + 1;
        let mut stock = WeightsStock {
            master,
            commitments: Vec::with_capacity(size as usize),
            tree: Vec::new(),
            key: StockKey {
                root: [0; 32],
                size,
                y_eq: ZkExt::ZERO,
            },
            noise,
            log_len,
            used: Mutex::new(vec![false; size as usize]),
        };
        for i in 0..size {
            let (c, _) = stock.commit(&stock.region_values(weights, i), i)?;
            stock.commitments.push(c);
        }
        stock.set_tree()?;
        let point = agreement_point(&zk.digest().0, &stock.key.root, size, &noise);
        let lower = stock.region_values(weights, 0);
        let half = 1usize << noise.lower_log_len;
        stock.key.y_eq = crate::mle::evaluate_base::<Goldilocks, ZkExt>(
            &lower[..half.min(lower.len())],
            &point[..noise.lower_log_len as usize],
        );
        Ok(stock)
    }

    /// What the verification key holds.
    pub fn key(&self) -> &StockKey {
        &self.key
    }

    /// The number of entries.
    pub fn size(&self) -> u32 {
        self.key.size
    }

    /// Whether this process has opened entry `index` (or it is beyond the stock).
    pub fn is_used(&self, index: u32) -> bool {
        self.used
            .lock()
            .map(|u| u.get(index as usize).copied().unwrap_or(true))
            .unwrap_or(true)
    }

    /// The prover's secret file: `"LAMS" | version u32 | master (32) | size u32 | each
    /// entry's commitment (32 each) | y_eq`. As secret as the weights; never give it to a
    /// verifier.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(&STOCK_MAGIC);
        w.u32(STOCK_FORMAT_VERSION);
        w.bytes(&self.master);
        w.u32(self.key.size);
        for c in &self.commitments {
            w.bytes(c);
        }
        self.key.y_eq.encode(&mut w);
        w.into_bytes()
    }

    /// Audits a stock file (the model owner's secret) against `weights`: every entry is
    /// recommitted from the file's master secret and these weights, and the key this gives
    /// (root over the recomputed entries, size, `y_eq`) is returned, for comparison with
    /// a verification key's. A file whose entries are not these weights' gives another
    /// root; one whose listed entries differ from the recomputed ones is refused. Costs
    /// one hiding commitment per entry.
    pub fn audit(
        zk: &ZkCircuit,
        weights: &[Goldilocks],
        bytes: &[u8],
    ) -> Result<StockKey, ProveError> {
        let listed = Self::from_bytes(zk, bytes)?;
        let again = Self::with_master(zk, weights, listed.key.size, listed.master)?;
        if again.commitments != listed.commitments || again.key.y_eq != listed.key.y_eq {
            return Err(ProveError::Stock(
                "the stock file's entries are not commitments to these weights under its secret",
            ));
        }
        Ok(again.key)
    }

    /// Reads a stock written by [`Self::to_bytes`] for `zk`, strictly: the root is
    /// recomputed from the entries (compare it with the key's). Nothing is opened.
    pub fn from_bytes(zk: &ZkCircuit, bytes: &[u8]) -> Result<Self, ProveError> {
        let noise = zk.weights_noise().ok_or(ProveError::NoWeightsRegion)?;
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != STOCK_MAGIC {
            return Err(DecodeError::Magic {
                expected: STOCK_MAGIC,
            }
            .into());
        }
        let version = r.u32("version")?;
        if version != STOCK_FORMAT_VERSION {
            return Err(DecodeError::Version {
                what: "weights stock",
                got: version,
                supported: &[STOCK_FORMAT_VERSION],
            }
            .into());
        }
        let master = r.digest("stock master secret")?;
        let size = r.u32("stock size")?;
        if !(1..=STOCK_MAX).contains(&size) || (size as usize).saturating_mul(32) > r.remaining() {
            return Err(ProveError::Stock(
                "a stock size outside 1..=2^20 or the bytes",
            ));
        }
        let commitments = (0..size)
            .map(|_| r.digest("stock entry"))
            .collect::<Result<Vec<_>, _>>()?;
        let y_eq = ZkExt::decode(&mut r)?;
        r.finish()?;
        let mut stock = WeightsStock {
            master,
            commitments,
            tree: Vec::new(),
            key: StockKey {
                root: [0; 32],
                size,
                y_eq,
            },
            noise,
            log_len: noise.lower_log_len + 1,
            used: Mutex::new(vec![false; size as usize]),
        };
        stock.set_tree()?;
        Ok(stock)
    }

    /// Builds the tree over the commitments and sets the key's root from it.
    fn set_tree(&mut self) -> Result<(), ProveError> {
        self.tree = tree(&self.commitments);
        self.key.root = self
            .tree
            .last()
            .and_then(|l| l.first().copied())
            .ok_or(ProveError::Stock("an empty stock tree"))?;
        Ok(())
    }

    /// The first entry this process has not opened, if any.
    pub fn next_unused(&self) -> Option<u32> {
        let used = self.used.lock().ok()?;
        used.iter().position(|u| !u).map(|i| i as u32)
    }

    /// Every index in a fresh random order (the operating system's generator). A prover
    /// that takes the first free entry in this order reveals, by the index in its proof,
    /// nothing about how many proofs came before (taking them in order would).
    pub fn shuffled_indices(&self) -> Result<Vec<u32>, ProveError> {
        let mut rng = ZkRng::System.chacha()?;
        let mut v: Vec<u32> = (0..self.key.size).collect();
        // Fisher–Yates; the modulo bias is below 2^-43 (at most 2^20 entries).
        for i in (1..v.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
        Ok(v)
    }

    /// A uniformly random entry this process has not opened, if any.
    pub fn random_unused(&self) -> Result<Option<u32>, ProveError> {
        Ok(self
            .shuffled_indices()?
            .into_iter()
            .find(|&i| !self.is_used(i)))
    }

    /// The weights region's values for entry `index`: `W`, `N_0`, zeros, `N_i`.
    pub(super) fn region_values(&self, weights: &[Goldilocks], index: u32) -> Vec<Goldilocks> {
        let n = &self.noise;
        let mut v = vec![Goldilocks::ZERO; n.region_len() as usize];
        v[..weights.len()].copy_from_slice(weights);
        let key_noise = prf(&self.master, b"key noise", 0, WEIGHTS_KEY_NOISE as usize);
        let at = n.weights_len as usize;
        v[at..at + key_noise.len()].copy_from_slice(&key_noise);
        let proof_noise = prf(
            &self.master,
            b"proof noise",
            index,
            WEIGHTS_PROOF_NOISE as usize,
        );
        let at = n.proof_noise_offset() as usize;
        v[at..at + proof_noise.len()].copy_from_slice(&proof_noise);
        v
    }

    /// Entry `index`'s commitment to its region `values` ([`Self::region_values`]).
    fn commit(
        &self,
        values: &[Goldilocks],
        index: u32,
    ) -> Result<(Digest, HidingData<ZkExt>), ProveError> {
        let seed = ZkRng::Seeded(entry_seed(&self.master, index));
        Ok(HidingScheme::<Goldilocks, ZkExt>::commit(
            hiding_scheme(),
            values,
            self.log_len,
            seed,
        )?)
    }

    /// Takes entry `index` for one proof: recreates its commitment (checked against the
    /// stock) and returns the region's values, the prover data, and the path. Refused if
    /// this process took the index before.
    pub(crate) fn take(
        &self,
        weights: &[Goldilocks],
        index: u32,
    ) -> Result<(Vec<Goldilocks>, Digest, HidingData<ZkExt>, StockPath), ProveError> {
        {
            let mut used = self
                .used
                .lock()
                .map_err(|_| ProveError::Stock("the stock's ledger is poisoned"))?;
            let slot = used
                .get_mut(index as usize)
                .ok_or(ProveError::Stock("a stock index beyond the stock"))?;
            if *slot {
                return Err(ProveError::Stock(
                    "a stock entry already opened: each is opened by one proof only",
                ));
            }
            *slot = true;
        }
        let values = self.region_values(weights, index);
        let (c, data) = self.commit(&values, index)?;
        if Some(&c) != self.commitments.get(index as usize) {
            return Err(ProveError::WeightsMismatch);
        }
        let siblings = self.tree[..self.tree.len() - 1]
            .iter()
            .enumerate()
            .map(|(level, nodes)| nodes[((index >> level) ^ 1) as usize])
            .collect();
        Ok((values, c, data, StockPath { index, siblings }))
    }
}
