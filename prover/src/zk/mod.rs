//! Zero-knowledge building blocks (issue 10): symbolic claims on the committed mask
//! vector, and the inner product that discharges them.
//!
//! A masked sumcheck ([`crate::sumcheck::masked`]) leaves checks the verifier cannot do
//! in the clear, because they involve mask values it never sees. They are collected as
//! [`DeferredClaim`]s `⟨u_t, M⟩ = e_t` and proven together, in zero knowledge, by
//! [`inner_product`]. The design and its arguments: `docs/design/zero-knowledge.md`
//! §3.2–3.3.
//!
//! [`prove_zk`] and [`verify_zk`] compose the parts into zero-knowledge proofs of gate
//! circuits whose secrets are all private inputs (masked GKR, the inner product, one
//! hiding WHIR opening); `prover/ZK.md` is their written argument.

pub mod chain;
mod claims;
mod gate_proofs;
pub mod inner_product;
mod proof;
pub mod stock;

pub use claims::{Covector, DeferredClaim, MaskCursor, MaskSlots, Symbolic};
pub use gate_proofs::{
    StockUse, ZkCircuit, ZkExt, ZkProof, ZkRefusal, hiding_scheme, prove_zk, verify_zk,
    verify_zk_bytes,
};
pub use proof::{MASKED_PROOF_MAGIC, MASKED_PROOF_VERSION, MaskedProof};
pub use stock::{StockKey, StockPath, WeightsStock};
