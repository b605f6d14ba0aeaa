//! Encoding helpers shared by the binding (`whir.rs`) and hiding (`hiding.rs`) WHIR
//! openings: `u32` counts checked against the bytes left before anything is allocated,
//! canonical field elements, pruned Merkle multiproofs and query openings.

use super::whir::WhirField;
use crate::arith::{Field, Goldilocks};
use circuits::DecodeError;
use circuits::codec::{Reader, Writer};
use p3_merkle_tree::PrunedMerklePaths;
use p3_whir::{QueryOpenings, SharedProofOpening};

/// The query openings of one WHIR round (base or extension rows, one multiproof).
pub(super) type Queries<E> = QueryOpenings<Goldilocks, E, PrunedMerklePaths<u8, 32>>;
/// Extension-field rows with their multiproof.
pub(super) type Shared<E> = SharedProofOpening<E, PrunedMerklePaths<u8, 32>>;

pub(super) fn put_ext<E: WhirField>(w: &mut Writer, v: &[E]) {
    w.length(v.len());
    for x in v {
        Field::encode(x, w);
    }
}

pub(super) fn get_ext<E: WhirField>(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Vec<E>, DecodeError> {
    let n = r.length(E::ENCODED_BYTES, what)?;
    (0..n).map(|_| <E as Field>::decode(r)).collect()
}

pub(super) fn put_base(w: &mut Writer, v: &[Goldilocks]) {
    w.length(v.len());
    for x in v {
        Field::encode(x, w);
    }
}

pub(super) fn get_base(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Vec<Goldilocks>, DecodeError> {
    let n = r.length(8, what)?;
    (0..n).map(|_| <Goldilocks as Field>::decode(r)).collect()
}

pub(super) fn put_paths(w: &mut Writer, p: &PrunedMerklePaths<u8, 32>) {
    w.length(p.sibling_hashes.len());
    for h in &p.sibling_hashes {
        w.bytes(h);
    }
}

pub(super) fn get_paths(r: &mut Reader<'_>) -> Result<PrunedMerklePaths<u8, 32>, DecodeError> {
    let n = r.length(32, "Merkle sibling digests")?;
    Ok(PrunedMerklePaths {
        sibling_hashes: (0..n)
            .map(|_| r.digest("Merkle sibling digest"))
            .collect::<Result<_, _>>()?,
    })
}

pub(super) fn put_shared<E: WhirField>(w: &mut Writer, o: &Shared<E>) {
    w.length(o.rows.len());
    for row in &o.rows {
        put_ext(w, row);
    }
    put_paths(w, &o.proof);
}

pub(super) fn get_shared<E: WhirField>(r: &mut Reader<'_>) -> Result<Shared<E>, DecodeError> {
    // A row is at least its own `u32` count.
    let n = r.length(4, "queried rows")?;
    let rows = (0..n)
        .map(|_| get_ext(r, "queried row"))
        .collect::<Result<_, _>>()?;
    Ok(SharedProofOpening {
        rows,
        proof: get_paths(r)?,
    })
}

/// A tag (0 base rows, 1 extension rows), the rows, then the multiproof.
pub(super) fn put_queries<E: WhirField>(w: &mut Writer, q: &Queries<E>) {
    match q {
        QueryOpenings::Base(o) => {
            w.u8(0);
            w.length(o.rows.len());
            for row in &o.rows {
                put_base(w, row);
            }
            put_paths(w, &o.proof);
        }
        QueryOpenings::Extension(o) => {
            w.u8(1);
            put_shared(w, o);
        }
    }
}

pub(super) fn get_queries<E: WhirField>(r: &mut Reader<'_>) -> Result<Queries<E>, DecodeError> {
    let offset = r.offset();
    match r.u8("query openings tag")? {
        0 => {
            let n = r.length(4, "queried rows")?;
            let rows = (0..n)
                .map(|_| get_base(r, "queried row"))
                .collect::<Result<_, _>>()?;
            Ok(QueryOpenings::Base(SharedProofOpening {
                rows,
                proof: get_paths(r)?,
            }))
        }
        1 => Ok(QueryOpenings::Extension(get_shared(r)?)),
        tag => Err(DecodeError::Tag {
            tag,
            what: "query openings tag",
            offset,
        }),
    }
}

/// A length prefix that must also be at most `max` (checked before anything is
/// reserved); above it, [`DecodeError::Length`] with `over` as what was read.
pub(super) fn bounded_length(
    r: &mut Reader<'_>,
    min_item_bytes: usize,
    max: usize,
    what: &'static str,
    over: &'static str,
) -> Result<usize, DecodeError> {
    let offset = r.offset();
    let n = r.length(min_item_bytes, what)?;
    if n > max {
        return Err(DecodeError::Length {
            len: n as u64,
            what: over,
            offset,
        });
    }
    Ok(n)
}

/// A flag byte: 0 or 1, any other value refused.
pub(super) fn get_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, DecodeError> {
    let offset = r.offset();
    match r.u8(what)? {
        0 => Ok(false),
        1 => Ok(true),
        tag => Err(DecodeError::Tag { tag, what, offset }),
    }
}
