//! One message at a time in plain Rust: the reference every faster path is tested against.

use super::{Algorithm, Blocks, Kernel};

/// One lane, no SIMD.
pub(crate) struct Portable;

impl<A: Algorithm> Kernel<A> for Portable {
    const LANES: usize = 1;
    type State = [u32; 8];
    type Token = ();

    fn detect() -> Option<()> {
        Some(())
    }

    fn init() -> Self::State {
        A::IV
    }

    fn compress(_: (), state: &mut Self::State, blocks: &Blocks<'_>) {
        A::compress(state, blocks[0]);
    }

    fn compress_scheduled(_: (), state: &mut Self::State, schedule: &A::Schedule) {
        A::compress_scheduled(state, schedule);
    }

    fn lane(state: &Self::State, _lane: usize) -> [u32; 8] {
        *state
    }
}

/// The kernel of an algorithm without dedicated instructions on this architecture: its token
/// cannot be made, so nothing here ever runs.
pub struct NoNative;

impl<A: Algorithm> Kernel<A> for NoNative {
    const LANES: usize = 1;
    type State = [u32; 8];
    type Token = core::convert::Infallible;

    fn detect() -> Option<Self::Token> {
        None
    }

    fn init() -> Self::State {
        A::IV
    }

    fn compress(token: Self::Token, _: &mut Self::State, _: &Blocks<'_>) {
        match token {}
    }

    fn compress_scheduled(token: Self::Token, _: &mut Self::State, _: &A::Schedule) {
        match token {}
    }

    fn lane(state: &Self::State, _lane: usize) -> [u32; 8] {
        *state
    }
}
