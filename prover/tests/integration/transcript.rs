//! Transcript framing and chaining.

use prover::GoldilocksExt2;
use prover::transcript::Transcript;

type E = GoldilocksExt2;

fn ch(t: &mut Transcript) -> E {
    t.challenge(b"c")
}

#[test]
fn deterministic() {
    let mut a = Transcript::new(b"p");
    let mut b = Transcript::new(b"p");
    a.absorb(b"x", b"123");
    b.absorb(b"x", b"123");
    assert_eq!(ch(&mut a), ch(&mut b));
    assert_eq!(ch(&mut a), ch(&mut b));
}

#[test]
fn protocol_id_separates() {
    assert_ne!(
        ch(&mut Transcript::new(b"p")),
        ch(&mut Transcript::new(b"q"))
    );
}

#[test]
fn length_prefixes_prevent_regrouping() {
    let mut a = Transcript::new(b"p");
    a.absorb(b"x", b"ab");
    a.absorb(b"x", b"c");
    let mut b = Transcript::new(b"p");
    b.absorb(b"x", b"a");
    b.absorb(b"x", b"bc");
    assert_ne!(ch(&mut a), ch(&mut b));
}

#[test]
fn labels_are_absorbed() {
    let mut a = Transcript::new(b"p");
    a.absorb(b"x", b"1");
    let mut b = Transcript::new(b"p");
    b.absorb(b"y", b"1");
    assert_ne!(ch(&mut a), ch(&mut b));
}

#[test]
fn empty_absorb_counts() {
    let mut a = Transcript::new(b"p");
    a.absorb(b"x", b"");
    let mut b = Transcript::new(b"p");
    assert_ne!(ch(&mut a), ch(&mut b));
}

#[test]
fn state_is_chained_through_every_earlier_byte() {
    // Changing a byte absorbed before the first challenge changes every later challenge,
    // even after more absorbs and squeezes (no state overwrite).
    let run = |first: &[u8]| {
        let mut t = Transcript::new(b"p");
        t.absorb(b"a", first);
        let _: E = ch(&mut t);
        t.absorb(b"b", b"same");
        let _: E = ch(&mut t);
        t.absorb(b"c", b"same");
        (ch(&mut t), t.state())
    };
    assert_ne!(run(b"0"), run(b"1"));
}

#[test]
fn consecutive_challenges_differ() {
    let mut t = Transcript::new(b"p");
    let v: Vec<E> = t.challenges(b"c", 8);
    for i in 0..8 {
        for j in 0..i {
            assert_ne!(v[i], v[j]);
        }
    }
}

#[test]
fn bulk_challenges_are_chained_and_distinct() {
    let mut a = Transcript::new(b"p");
    let v: Vec<E> = a.challenges_bulk(b"c", 100);
    for i in 0..100 {
        for j in 0..i {
            assert_ne!(v[i], v[j]);
        }
    }
    // The count is absorbed: a prefix request gives a different stream.
    let mut b = Transcript::new(b"p");
    let w: Vec<E> = b.challenges_bulk(b"c", 99);
    assert_ne!(v[0], w[0]);
    // And the state moves on.
    assert_ne!(ch(&mut a), ch(&mut Transcript::new(b"p")));
    assert!(
        Transcript::new(b"p")
            .challenges_bulk::<E>(b"c", 0)
            .is_empty()
    );
}
