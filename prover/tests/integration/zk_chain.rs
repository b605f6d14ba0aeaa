//! Chains of zero-knowledge slice proofs with private boundaries
//! (`prover::zk::chain`): round trips whose final outputs are the composition's, with and
//! without a weights stock; no boundary value in any proof's bytes (and the same scan
//! finding them in a transparent twin); the encoding; the shape refusals; and named
//! attacks — a broken chain, a tampered link, a neighbour from another run, a proof
//! verified without its chain — each asserting its rejection.

use crate::common::{field_values, hits};
use circuits::random::{self, Spec};
use circuits::{Circuit, RegionKind};
use prover::commit::ZkRng;
use prover::gkr;
use prover::zk::chain::{
    ChainSlice, ChainStatement, InputOpening, Neighbours, Side, check_links, prove_chain,
    prove_chain_unchecked, prove_chain_with_input, verify_chain, verify_chain_with_input,
    verify_linked,
};
use prover::zk::{StockUse, WeightsStock, ZkCircuit, ZkProof, prove_zk, verify_zk};
use prover::{
    Field, Goldilocks, GoldilocksExt2, PrimeField64, ProveError, Statement, Transparent,
    VerifyError, Witness,
};
use std::collections::HashSet;

type F = Goldilocks;

/// A random gate circuit reading `inputs` public values (no public constants, so its
/// input can be made private), with or without weights.
fn slice_circuit(inputs: u32, seed: u64, weights: bool) -> Circuit {
    let spec = Spec {
        log_widths: vec![6, 5, 4, 3],
        mul_percent: 40,
        const_percent: 0,
        num_public: inputs,
        ..Spec::default()
    };
    let c = random::circuit(&spec, seed);
    if weights {
        c
    } else {
        random::without_weights(c, false)
    }
}

/// The plain outputs of `c` on a witness.
fn outputs(c: &Circuit, public: &[F], weights: &[F], private: &[F]) -> Vec<F> {
    let w = Witness {
        public,
        weights,
        private,
    };
    gkr::prove::<F, GoldilocksExt2, _>(&Transparent, c, &w, b"plain")
        .unwrap()
        .1
}

/// A chain of three slices (the middle one with weights when `weights`): circuits,
/// forms, every slice's input, weights, private values and outputs, and contexts.
struct Chain {
    circuits: Vec<Circuit>,
    forms: Vec<ZkCircuit>,
    inputs: Vec<Vec<F>>,
    weights: Vec<Vec<F>>,
    private: Vec<Vec<F>>,
    outputs: Vec<Vec<F>>,
    contexts: Vec<Vec<u8>>,
    stock: Option<WeightsStock>,
}

impl Chain {
    fn new(seed: u64, weights: bool) -> Chain {
        let n = 3;
        let mut c = Chain {
            circuits: Vec::new(),
            forms: Vec::new(),
            inputs: Vec::new(),
            weights: Vec::new(),
            private: Vec::new(),
            outputs: Vec::new(),
            contexts: Vec::new(),
            stock: None,
        };
        let mut x = field_values(3, seed);
        for i in 0..n {
            let circuit = slice_circuit(x.len() as u32, seed * 10 + i as u64, weights && i == 1);
            let w = field_values(circuit.input.len_of(RegionKind::Weights), seed + 100);
            let p = field_values(
                circuit.input.len_of(RegionKind::Private),
                seed + 200 + i as u64,
            );
            let y = outputs(&circuit, &x, &w, &p);
            let form = ZkCircuit::with_boundaries(&circuit, i > 0, i + 1 < n).unwrap();
            if !w.is_empty() {
                c.stock = Some(WeightsStock::build(&form, &w, 4, &ZkRng::Seeded([9; 32])).unwrap());
            }
            c.inputs.push(x);
            c.weights.push(w);
            c.private.push(p);
            c.contexts.push(format!("chain slice {i}").into_bytes());
            c.circuits.push(circuit);
            c.forms.push(form);
            x = y.clone();
            c.outputs.push(y);
        }
        c
    }

    fn slices(&self, stock_index: u32) -> Vec<ChainSlice<'_>> {
        (0..self.forms.len())
            .map(|i| ChainSlice {
                zk: &self.forms[i],
                witness: Witness {
                    public: &self.inputs[i],
                    weights: &self.weights[i],
                    private: &self.private[i],
                },
                outputs: &self.outputs[i],
                context: &self.contexts[i],
                stock: match (&self.stock, self.weights[i].is_empty()) {
                    (Some(stock), false) => Some(StockUse {
                        stock,
                        index: stock_index,
                    }),
                    _ => None,
                },
            })
            .collect()
    }

    fn prove(&self, stock_index: u32, rng: &ZkRng) -> Vec<(ZkProof, Vec<F>)> {
        prove_chain(&self.slices(stock_index), rng).unwrap()
    }

    /// The statements: the first input and the last outputs only.
    fn statements<'a>(&'a self, last_outputs: &'a [F]) -> Vec<ChainStatement<'a>> {
        let n = self.forms.len();
        (0..n)
            .map(|i| ChainStatement {
                zk: &self.forms[i],
                statement: Statement {
                    public: if i == 0 { &self.inputs[0] } else { &[] },
                    outputs: if i + 1 == n { last_outputs } else { &[] },
                    context: &self.contexts[i],
                    weights_commitment: None,
                },
                stock: if self.weights[i].is_empty() {
                    None
                } else {
                    self.stock.as_ref().map(WeightsStock::key)
                },
            })
            .collect()
    }

    fn verify(&self, proofs: &[ZkProof]) -> Result<(), VerifyError> {
        let last = self.outputs.last().unwrap();
        verify_chain(&self.statements(last), proofs)
    }
}

fn only_proofs(p: Vec<(ZkProof, Vec<F>)>) -> Vec<ZkProof> {
    p.into_iter().map(|(p, _)| p).collect()
}

#[test]
fn chain_round_trip_shows_only_the_first_input_and_the_last_outputs() {
    for seed in [1u64, 2, 3] {
        let chain = Chain::new(seed, false);
        let proven = chain.prove(0, &ZkRng::Seeded([seed as u8; 32]));
        // Private outputs are not outputs of the statement; the last slice's are the
        // composition's, computed by the plain prover slice after slice.
        assert!(proven[0].1.is_empty() && proven[1].1.is_empty());
        assert_eq!(&proven[2].1, chain.outputs.last().unwrap());
        let links: Vec<usize> = proven.iter().map(|(p, _)| p.links.len()).collect();
        assert_eq!(links, [1, 2, 1]);
        assert_eq!(proven[0].0.links[0], proven[1].0.links[0]);
        assert_eq!(proven[1].0.links[1], proven[2].0.links[0]);
        let proofs = only_proofs(proven);
        chain.verify(&proofs).unwrap();
        // Through the bytes.
        let decoded: Vec<ZkProof> = proofs
            .iter()
            .map(|p| ZkProof::from_bytes(&p.to_bytes()).unwrap())
            .collect();
        assert_eq!(decoded, proofs);
        chain.verify(&decoded).unwrap();
    }
}

#[test]
fn chain_with_a_weights_stock_round_trip() {
    let chain = Chain::new(4, true);
    assert!(chain.stock.is_some());
    let proofs = only_proofs(chain.prove(1, &ZkRng::System));
    assert!(proofs[1].stock.is_some());
    chain.verify(&proofs).unwrap();
}

#[test]
fn chain_proofs_of_one_statement_differ() {
    let chain = Chain::new(5, false);
    let a = only_proofs(chain.prove(0, &ZkRng::System));
    let b = only_proofs(chain.prove(0, &ZkRng::System));
    for (x, y) in a.iter().zip(&b) {
        // Lengths vary with the openings' query positions (Merkle paths are deduplicated).
        assert_ne!(x.to_bytes(), y.to_bytes());
    }
    assert_ne!(a[0].links, b[0].links);
}

/// Every boundary value (the activations between slices) and every slice's private
/// value, in canonical form (what an 8-byte little-endian window would show).
fn boundary_values(chain: &Chain) -> HashSet<u64> {
    chain.outputs[..chain.outputs.len() - 1]
        .iter()
        .flatten()
        .map(|v| v.as_u64())
        .filter(|&v| v > u64::from(u32::MAX))
        .collect()
}

fn private_values(chain: &Chain) -> HashSet<u64> {
    chain
        .private
        .iter()
        .flatten()
        .map(|v| v.as_u64())
        .filter(|&v| v > u64::from(u32::MAX))
        .collect()
}

#[test]
fn chain_no_boundary_value_in_the_proof_bytes() {
    let chain = Chain::new(6, false);
    let secrets = boundary_values(&chain);
    assert!(
        secrets.len() >= 4,
        "too few large boundary values to scan for"
    );
    let private = private_values(&chain);
    for (p, _) in chain.prove(0, &ZkRng::System) {
        assert_eq!(hits(&p.to_bytes(), &secrets), 0);
        assert_eq!(hits(&p.to_bytes(), &private), 0);
    }
    // The scan finds them in a transparent proof of slice 1 with its input private (its
    // opening reveals the private region).
    let (bounded, b) =
        circuits::boundary::with_private_boundaries(&chain.circuits[1], true, false).unwrap();
    let mut private = chain.private[1].clone();
    private.resize(b.region_len as usize, F::ZERO);
    let cube = b.input.unwrap();
    let at = cube.offset as usize;
    private[at..at + chain.inputs[1].len()].copy_from_slice(&chain.inputs[1]);
    let w = Witness {
        public: &[],
        weights: &[],
        private: &private,
    };
    let (proof, _) = gkr::prove::<F, GoldilocksExt2, _>(&Transparent, &bounded, &w, b"t").unwrap();
    assert!(hits(&proof.to_bytes(), &secrets) > 0);
}

#[test]
fn chain_shapes_are_refused() {
    let chain = Chain::new(7, false);
    let mut slices = chain.slices(0);
    // One slice alone: its outputs cannot be private.
    assert!(matches!(
        prove_chain(&slices[..1], &ZkRng::System),
        Err(ProveError::Chain(_))
    ));
    // A boundary private on one side only.
    let public_form = ZkCircuit::with_boundaries(&chain.circuits[1], false, true).unwrap();
    slices[1].zk = &public_form;
    assert!(matches!(
        prove_chain(&slices, &ZkRng::System),
        Err(ProveError::Chain(_))
    ));
    // A broken chain, refused by the honest prover.
    let slices = chain.slices(0);
    let mut x = chain.inputs[1].clone();
    x[0] += F::ONE;
    let mut broken = slices.clone();
    broken[1].witness.public = &x;
    assert!(matches!(
        prove_chain(&broken, &ZkRng::System),
        Err(ProveError::Chain(_))
    ));
    // A form with boundaries is not proven or verified alone.
    let w = Witness {
        public: &[],
        weights: &[],
        private: &chain.private[1],
    };
    assert!(matches!(
        prove_zk(&chain.forms[1], &w, b"x", &ZkRng::System, None),
        Err(ProveError::Chain(_))
    ));
    let proofs = only_proofs(chain.prove(0, &ZkRng::System));
    let st = chain.statements(chain.outputs.last().unwrap());
    assert!(matches!(
        verify_zk(&chain.forms[1], &st[1].statement, None, &proofs[1]),
        Err(VerifyError::Chain(_))
    ));
    assert!(matches!(
        verify_chain(&st[..2], &proofs[..2]),
        Err(VerifyError::Chain(_))
    ));
    assert!(matches!(
        verify_chain(&st, &proofs[..2]),
        Err(VerifyError::Chain(_))
    ));
}

/// Slice 1 proven on an input other than slice 0's output: each proof holds alone, the
/// link between them does not.
#[test]
fn attack_broken_chain_rejected_by_the_link() {
    let chain = Chain::new(8, false);
    let mut x = chain.inputs[1].clone();
    x[0] += F::ONE;
    let mut slices = chain.slices(0);
    slices[1].witness.public = &x;
    let y = outputs(&chain.circuits[1], &x, &[], &chain.private[1]);
    slices[1].outputs = &y;
    // Slice 2 is proven on slice 1's real (changed) output, so only boundary 0 breaks.
    slices[2].witness.public = &y;
    let proofs = only_proofs(prove_chain_unchecked(&slices, &ZkRng::System).unwrap());
    let last = outputs(&chain.circuits[2], &y, &[], &chain.private[2]);
    let st = chain.statements(&last);
    assert_eq!(
        verify_chain(&st, &proofs),
        Err(VerifyError::BoundaryLink { slice: 0 })
    );
}

#[test]
fn attack_tampered_link_rejected_by_the_opening() {
    let chain = Chain::new(9, false);
    let proofs = only_proofs(chain.prove(0, &ZkRng::System));
    for (slice, link, boundary) in [(0usize, 0usize, 0usize), (1, 0, 0), (1, 1, 1), (2, 0, 0)] {
        let mut bad = proofs.clone();
        bad[slice].links[link] += prover::zk::ZkExt::ONE;
        // The neighbour keeps the honest value: the tampered proof's own opening
        // refuses first.
        assert_eq!(
            chain.verify(&bad),
            Err(VerifyError::BoundaryAgreement { boundary }),
            "slice {slice} link {link}"
        );
    }
}

/// How a proof opened at an agreement point that has since moved (another run's or
/// another input's commitment) is rejected: the agreement or the opening fails.
fn moved_point_rejection(err: &VerifyError) -> bool {
    matches!(
        err,
        VerifyError::BoundaryAgreement { .. }
            | VerifyError::Batch { .. }
            | VerifyError::BatchFinal { .. }
            | VerifyError::Opening { .. }
    )
}

#[test]
fn attack_neighbour_from_another_run_rejected() {
    let chain = Chain::new(10, false);
    let a = only_proofs(chain.prove(0, &ZkRng::System));
    let b = only_proofs(chain.prove(0, &ZkRng::System));
    // Slice 0 from run b, the rest from run a: the boundary's point moves with slice 0's
    // commitment, so slice 1's opening (made at run a's point) fails.
    let mixed = vec![b[0].clone(), a[1].clone(), a[2].clone()];
    let err = chain.verify(&mixed).unwrap_err();
    assert!(moved_point_rejection(&err), "{err:?}");
    // And verify_linked with a neighbour that is not the proof's.
    let st = chain.statements(chain.outputs.last().unwrap());
    fn side<'a>(chain: &'a Chain, j: usize, proofs: &'a [ZkProof]) -> Side<'a> {
        Side {
            zk: &chain.forms[j],
            context: &chain.contexts[j],
            commitment: proofs[j].proof.commitments.last().unwrap(),
        }
    }
    let neighbours = Neighbours {
        previous: Some(side(&chain, 0, &b)),
        next: Some(side(&chain, 2, &a)),
        input: None,
    };
    assert!(verify_linked(&st[1], &a[1], neighbours).is_err());
    let honest = Neighbours {
        previous: Some(side(&chain, 0, &a)),
        next: Some(side(&chain, 2, &a)),
        input: None,
    };
    verify_linked(&st[1], &a[1], honest).unwrap();
    // The point binds the neighbour's form: the right context and commitment under
    // another form's digest move it.
    let other_form = Neighbours {
        previous: Some(Side {
            zk: &chain.forms[2],
            ..side(&chain, 0, &a)
        }),
        next: Some(side(&chain, 2, &a)),
        input: None,
    };
    assert!(verify_linked(&st[1], &a[1], other_form).is_err());
    // A missing neighbour is refused by name.
    let missing = Neighbours {
        previous: None,
        next: Some(side(&chain, 2, &a)),
        input: None,
    };
    assert!(matches!(
        verify_linked(&st[1], &a[1], missing),
        Err(VerifyError::Chain(_))
    ));
    assert!(check_links(chain.forms.iter(), &a).is_ok());
    // A proof with an extra commitment has no private commitment to link by: the chain
    // is refused by name before any point is derived from it.
    let mut extra = a.clone();
    let c = extra[0].proof.commitments[0];
    extra[0].proof.commitments.push(c);
    assert_eq!(chain.forms[0].private_commitment(&extra[0]), None);
    assert!(matches!(chain.verify(&extra), Err(VerifyError::Chain(_))));
}

#[test]
fn attack_private_activation_in_the_statement_rejected() {
    // A verifier handed slice 1 with a public input (the unbounded form) refuses the
    // chained proof: its circuit digest is another.
    let chain = Chain::new(11, false);
    let proofs = only_proofs(chain.prove(0, &ZkRng::System));
    let mut st = chain.statements(chain.outputs.last().unwrap());
    st[1].statement.public = &chain.inputs[1];
    assert!(matches!(
        chain_verify(&st, &proofs),
        Err(VerifyError::PublicLength { .. })
    ));
}

fn chain_verify(st: &[ChainStatement<'_>], proofs: &[ZkProof]) -> Result<(), VerifyError> {
    verify_chain(st, proofs)
}

#[test]
fn chain_link_count_is_decoded_strictly() {
    let chain = Chain::new(12, false);
    let proofs = only_proofs(chain.prove(0, &ZkRng::System));
    let bytes = proofs[1].to_bytes();
    // The link count sits before the two links at the end.
    let at = bytes.len() - 1 - 2 * <prover::zk::ZkExt as Field>::ENCODED_BYTES;
    assert_eq!(bytes[at], 2);
    for bad in [0u8, 3] {
        let mut b = bytes.clone();
        b[at] = bad;
        assert!(ZkProof::from_bytes(&b).is_err());
    }
    let mut short = bytes.clone();
    short.pop();
    assert!(ZkProof::from_bytes(&short).is_err());
    // Without links the proof is written in version 2 and verified alone, as before.
    assert_eq!(&bytes[4..8], &3u32.to_le_bytes());
}

/// A chain whose boundary is public: the statements link it, so slice 1 proven on an
/// input other than slice 0's stated output is rejected.
#[test]
fn attack_public_boundary_with_another_input_rejected() {
    let chain = Chain::new(13, false);
    let forms: Vec<ZkCircuit> = chain.circuits[..2]
        .iter()
        .map(|c| ZkCircuit::with_boundaries(c, false, false).unwrap())
        .collect();
    let mut x = chain.inputs[1].clone();
    x[0] += F::ONE;
    let y = outputs(&chain.circuits[1], &x, &[], &chain.private[1]);
    let (x0, y0) = (&chain.inputs[0], &chain.outputs[0]);
    let slices = [
        ChainSlice {
            zk: &forms[0],
            witness: Witness {
                public: x0,
                weights: &[],
                private: &chain.private[0],
            },
            outputs: y0,
            context: &chain.contexts[0],
            stock: None,
        },
        ChainSlice {
            zk: &forms[1],
            witness: Witness {
                public: &x,
                weights: &[],
                private: &chain.private[1],
            },
            outputs: &y,
            context: &chain.contexts[1],
            stock: None,
        },
    ];
    // The honest prover refuses; a cheating one proves each slice alone.
    assert!(matches!(
        prove_chain(&slices, &ZkRng::System),
        Err(ProveError::Chain(_))
    ));
    let proofs = only_proofs(prove_chain_unchecked(&slices, &ZkRng::System).unwrap());
    let statements: Vec<ChainStatement<'_>> = (0..2)
        .map(|i| ChainStatement {
            zk: &forms[i],
            statement: Statement {
                public: if i == 0 { x0 } else { &x },
                outputs: if i == 0 { y0 } else { &y },
                context: &chain.contexts[i],
                weights_commitment: None,
            },
            stock: None,
        })
        .collect();
    assert_eq!(
        verify_chain(&statements, &proofs),
        Err(VerifyError::BoundaryLink { slice: 0 })
    );
    // With slice 0's output as slice 1's input, the same shape verifies.
    let y1 = outputs(&chain.circuits[1], y0, &[], &chain.private[1]);
    let mut honest = slices;
    honest[1].witness.public = y0;
    honest[1].outputs = &y1;
    let proofs = only_proofs(prove_chain(&honest, &ZkRng::System).unwrap());
    let mut statements = statements;
    statements[1].statement.public = y0;
    statements[1].statement.outputs = &y1;
    verify_chain(&statements, &proofs).unwrap();
}

#[test]
fn security_counts_the_boundaries() {
    let chain = Chain::new(12, false);
    let private = |s: &prover::commit::ProofSecurity| {
        let i = s
            .regions
            .iter()
            .position(|k| *k == RegionKind::Private)
            .unwrap();
        s.openings[i].num_points
    };
    // The middle slice's private opening carries one more point per boundary than the
    // same form's proof outside a chain.
    let middle = &chain.forms[1];
    let chained = middle.security(None).unwrap();
    let alone = gkr::masked_hiding_security(
        prover::zk::hiding_scheme(),
        middle.circuit(),
        middle.layout(),
        None,
        0,
    )
    .unwrap();
    assert_eq!(private(&chained), private(&alone) + 2);
    assert!(chained.bits <= alone.bits);
    // A boundary's agreement term: the extension field's bits less both Johnson lists
    // and the point's coordinates — far above the proofs' own figures.
    let first = chain.forms[0].security(None).unwrap();
    let cube = middle.boundaries().input.unwrap();
    let term = prover::zk::chain::boundary_agreement_bits(&first, &chained, cube.log_len);
    assert!(term > chained.bits && term < 191.0, "{term}");
}

impl Chain {
    /// The same chain with its model input private (committed on its own), on `input`
    /// (the chain's own when `None`): every slice's input and outputs recomputed.
    fn with_private_input(mut self, input: Option<Vec<F>>) -> Chain {
        let n = self.forms.len();
        self.forms[0] = ZkCircuit::with_boundaries(&self.circuits[0], true, n > 1).unwrap();
        if let Some(mut x) = input {
            for i in 0..n {
                let y = outputs(&self.circuits[i], &x, &self.weights[i], &self.private[i]);
                self.inputs[i] = x;
                self.outputs[i] = y.clone();
                x = y;
            }
        }
        self
    }

    fn prove_with_input(&self, stock_index: u32, rng: &ZkRng) -> (Vec<ZkProof>, InputOpening) {
        let (proven, input) = prove_chain_with_input(&self.slices(stock_index), rng).unwrap();
        (only_proofs(proven), input)
    }

    /// The statements of a chain with a private input: the last outputs only.
    fn verify_with_input(
        &self,
        proofs: &[ZkProof],
        input: &InputOpening,
    ) -> Result<(), VerifyError> {
        let last = self.outputs.last().unwrap();
        let mut st = self.statements(last);
        st[0].statement.public = &[];
        verify_chain_with_input(&st, proofs, input)
    }
}

#[test]
fn private_input_round_trip_shows_only_its_commitment_and_the_last_outputs() {
    for seed in [21u64, 22] {
        let chain = Chain::new(seed, seed % 2 == 0).with_private_input(None);
        let (proofs, input) = chain.prove_with_input(0, &ZkRng::System);
        chain.verify_with_input(&proofs, &input).unwrap();
        let sec = chain.forms[0].security(None).unwrap();
        let bits = prover::zk::chain::input_security_bits(&chain.forms[0], &sec).unwrap();
        assert!((100.0..192.0).contains(&bits), "{bits}");
        // The opening round-trips its bytes and decodes strictly.
        let bytes = input.to_bytes();
        let back = InputOpening::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        chain.verify_with_input(&proofs, &back).unwrap();
        assert!(InputOpening::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(InputOpening::from_bytes(&longer).is_err());
        // No input value, as a field element, in any proof or in the opening.
        let secret: HashSet<u64> = chain.inputs[0].iter().map(|v| v.as_u64()).collect();
        assert_eq!(secret.len(), 3);
        let mut all = bytes.clone();
        for p in &proofs {
            all.extend(p.to_bytes());
        }
        assert_eq!(hits(&all, &secret), 0, "seed {seed}");
        // Two runs commit the input afresh.
        let (_, again) = chain.prove_with_input(1, &ZkRng::System);
        assert_ne!(again.commitment, input.commitment);
    }
}

#[test]
fn a_whole_model_with_a_private_input_is_a_chain_of_one() {
    let mut chain = Chain::new(23, false);
    chain.circuits.truncate(1);
    chain.forms.truncate(1);
    chain.inputs.truncate(1);
    chain.weights.truncate(1);
    chain.private.truncate(1);
    chain.outputs.truncate(1);
    chain.contexts.truncate(1);
    let chain = chain.with_private_input(None);
    let (proofs, input) = chain.prove_with_input(0, &ZkRng::System);
    assert_eq!(proofs[0].links.len(), 1);
    chain.verify_with_input(&proofs, &input).unwrap();
}

#[test]
fn private_input_refusals() {
    let chain = Chain::new(24, false).with_private_input(None);
    // prove_chain would drop the opening: refused by name.
    assert!(matches!(
        prove_chain(&chain.slices(0), &ZkRng::System),
        Err(ProveError::Chain(_))
    ));
    let (proofs, input) = chain.prove_with_input(0, &ZkRng::System);
    // Verified without the input's commitment, or with the input in the statement.
    assert!(matches!(chain.verify(&proofs), Err(VerifyError::Chain(_))));
    let last = chain.outputs.last().unwrap();
    let leaky = chain.statements(last);
    assert!(verify_chain_with_input(&leaky, &proofs, &input).is_err());
    // A committed input for a chain whose input is public.
    let public = Chain::new(24, false);
    let p = only_proofs(public.prove(0, &ZkRng::System));
    assert!(matches!(
        verify_chain_with_input(&public.statements(last), &p, &input),
        Err(VerifyError::Chain(_))
    ));
}

#[test]
fn attack_committed_input_of_another_input_rejected() {
    let chain = Chain::new(25, false).with_private_input(None);
    let other = Chain::new(25, false).with_private_input(Some(field_values(3, 999)));
    assert_ne!(chain.inputs[0], other.inputs[0]);
    let (proofs, ours) = chain.prove_with_input(0, &ZkRng::System);
    let (their_proofs, theirs) = other.prove_with_input(0, &ZkRng::System);
    // The proofs of one input with the commitment of another: the agreement point moves
    // with the commitment, so the first proof's opening fails.
    let err = chain.verify_with_input(&proofs, &theirs).unwrap_err();
    assert!(moved_point_rejection(&err), "{err:?}");
    // And the other input's proofs with this input's commitment.
    assert!(chain.verify_with_input(&their_proofs, &ours).is_err());
}

#[test]
fn attack_first_link_not_the_committed_input_rejected() {
    let chain = Chain::new(26, false).with_private_input(None);
    let (proofs, input) = chain.prove_with_input(0, &ZkRng::System);
    // The first proof states another input value: its own opening disagrees.
    let mut bad = proofs.clone();
    bad[0].links[0] += prover::zk::ZkExt::ONE;
    assert_eq!(
        chain.verify_with_input(&bad, &input),
        Err(VerifyError::BoundaryAgreement { boundary: 0 })
    );
    // The input's opening states another value: rejected by its own check.
    let mut forged = input.clone();
    forged.opening.proof.evals[0] += prover::zk::ZkExt::ONE;
    assert!(matches!(
        chain.verify_with_input(&proofs, &forged),
        Err(VerifyError::InputOpening(_))
    ));
}

#[test]
fn chain_proofs_identical_across_thread_counts() {
    // The slices are committed and proven in parallel; each slice's bytes follow from the
    // chain's seed alone. (A fresh chain per run: a stock opens each entry once.)
    let prove_with = |threads: usize| {
        let chain = Chain::new(27, true).with_private_input(None);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (proven, input) =
                prove_chain_with_input(&chain.slices(0), &ZkRng::Seeded([5; 32])).unwrap();
            let mut bytes: Vec<Vec<u8>> = proven.iter().map(|(p, _)| p.to_bytes()).collect();
            bytes.push(input.to_bytes());
            bytes
        })
    };
    assert_eq!(prove_with(1), prove_with(2));
}
