use batchverify::merkle::{self, Digest, Flavor, HashFn, Merkle};
use batchverify::sha256::Hasher;
use batchverify::{Backend, Execution};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList};
use rayon::prelude::*;

use crate::columns::{single, Column};
use crate::errors::to_py;

fn digests_out<'py>(py: Python<'py>, digests: &[Digest]) -> Bound<'py, PyByteArray> {
    PyByteArray::new(py, digests.as_flattened())
}

/// The flavor named, over `hash` when one is given instead of the flavor's own.
fn flavor(flavor: &str, hash: Option<&str>) -> PyResult<Flavor> {
    let flavor: Flavor = crate::option(flavor)?;
    Ok(match hash {
        Some(hash) => flavor.with_hash(crate::option::<HashFn>(hash)?),
        None => flavor,
    })
}

fn merkle(flavor_name: &str, hash: Option<&str>, backend: &str) -> PyResult<Merkle> {
    let backend: Backend = crate::option(backend)?;
    Ok(Merkle::new(flavor(flavor_name, hash)?).with_backend(backend))
}

fn execution<'py>(py: Python<'py>, execution: &Execution) -> PyResult<Bound<'py, PyDict>> {
    let report = PyDict::new(py);
    report.set_item("backend", execution.backend.to_string())?;
    report.set_item("adapter", execution.adapter.as_deref())?;
    report.set_item("fallback", execution.fallback.as_deref())?;
    Ok(report)
}

#[pyfunction]
pub fn sha256_hash_many<'py>(
    py: Python<'py>,
    messages: &Bound<'py, PyAny>,
    backend: &str,
) -> PyResult<Bound<'py, PyByteArray>> {
    let hasher = Hasher::new().with_backend(crate::option(backend)?);
    let messages = Column::extract(messages, "messages", None)?;
    let messages = messages.slices();
    let digests = py.detach(|| hasher.hash_many(&messages));
    Ok(digests_out(py, &digests))
}

#[pyfunction]
pub fn sm3_hash_many<'py>(
    py: Python<'py>,
    messages: &Bound<'py, PyAny>,
    backend: &str,
) -> PyResult<Bound<'py, PyByteArray>> {
    let hasher = batchverify::sm3::Hasher::new().with_backend(crate::option(backend)?);
    let messages = Column::extract(messages, "messages", None)?;
    let messages = messages.slices();
    let digests = py.detach(|| hasher.hash_many(&messages));
    Ok(digests_out(py, &digests))
}

/// The root and how it was computed: `{"root", "mutated", "backend", "adapter", "fallback"}`.
#[pyfunction]
#[pyo3(signature = (leaf_hashes, flavor, backend, hash=None))]
pub fn merkle_root<'py>(
    py: Python<'py>,
    leaf_hashes: &Bound<'py, PyAny>,
    flavor: &str,
    backend: &str,
    hash: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let merkle = merkle(flavor, hash, backend)?;
    let leaves = Column::extract(leaf_hashes, "leaf_hashes", Some(32))?;
    let leaves = leaves.digests("leaf_hashes")?;
    let report = py.detach(|| merkle.root_report(&leaves)).map_err(to_py)?;
    let out = execution(py, &report.execution)?;
    out.set_item("root", PyBytes::new(py, &report.root))?;
    out.set_item("mutated", report.mutated)?;
    Ok(out)
}

#[pyfunction]
#[pyo3(signature = (data, flavor, backend, hash=None))]
pub fn merkle_leaf_hashes<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    flavor: &str,
    backend: &str,
    hash: Option<&str>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let merkle = merkle(flavor, hash, backend)?;
    let data = Column::extract(data, "data", None)?;
    let data = data.slices();
    let digests = py.detach(|| merkle.leaf_hashes(&data)).map_err(to_py)?;
    Ok(digests_out(py, &digests))
}

#[pyfunction]
pub fn merkle_bitcoin_root<'py>(
    py: Python<'py>,
    txids: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyBytes>, bool)> {
    let txids = Column::extract(txids, "txids", Some(32))?;
    let txids = txids.digests("txids")?;
    let (root, mutated) = py.detach(|| merkle::bitcoin_root(&txids));
    Ok((PyBytes::new(py, &root), mutated))
}

/// Siblings of a proof given as one buffer of 32-byte hashes; `None` when it is not a whole
/// number of hashes, which no valid proof is.
fn siblings(proof: &[u8]) -> Option<&[Digest]> {
    match proof.as_chunks::<32>() {
        (siblings, []) => Some(siblings),
        _ => None,
    }
}

#[pyfunction]
#[pyo3(signature = (root, leaf_hash, index, proof, tree_size, flavor, hash=None))]
#[allow(clippy::too_many_arguments)]
pub fn merkle_verify_proof(
    py: Python<'_>,
    root: &Bound<'_, PyAny>,
    leaf_hash: &Bound<'_, PyAny>,
    index: u64,
    proof: &Bound<'_, PyAny>,
    tree_size: u64,
    flavor: &str,
    hash: Option<&str>,
) -> PyResult<bool> {
    let merkle = merkle(flavor, hash, "cpu")?;
    let root = single(root, "root")?;
    let leaf_hash = single(leaf_hash, "leaf_hash")?;
    let proof = single(proof, "proof")?;
    let (root, leaf_hash, proof) = (root.as_slice(), leaf_hash.as_slice(), proof.as_slice());
    Ok(py.detach(|| {
        siblings(proof).is_some_and(|siblings| {
            merkle.verify_inclusion(root, leaf_hash, index, tree_size, siblings)
        })
    }))
}

/// RFC 6962 consistency: whether the tree of `size1` leaves with root `root1` is a prefix of
/// the one of `size2` leaves with root `root2`.
#[pyfunction]
#[pyo3(signature = (size1, size2, root1, root2, proof, flavor, hash=None))]
#[allow(clippy::too_many_arguments)]
pub fn merkle_verify_consistency(
    py: Python<'_>,
    size1: u64,
    size2: u64,
    root1: &Bound<'_, PyAny>,
    root2: &Bound<'_, PyAny>,
    proof: &Bound<'_, PyAny>,
    flavor: &str,
    hash: Option<&str>,
) -> PyResult<bool> {
    let merkle = merkle(flavor, hash, "cpu")?;
    let root1 = single(root1, "root1")?;
    let root2 = single(root2, "root2")?;
    let proof = single(proof, "proof")?;
    let (root1, root2, proof) = (root1.as_slice(), root2.as_slice(), proof.as_slice());
    let Some(proof) = siblings(proof) else {
        return Ok(false);
    };
    py.detach(|| merkle.verify_consistency(size1, size2, root1, root2, proof))
        .map_err(to_py)
}

/// Verdicts for leaf `i` at `indices[i]` with `proofs[i]`, every proof against one tree.
#[pyfunction]
#[pyo3(signature = (root, leaf_hashes, indices, proofs, tree_size, flavor, hash=None))]
#[allow(clippy::too_many_arguments)]
pub fn merkle_verify_proofs<'py>(
    py: Python<'py>,
    root: &Bound<'py, PyAny>,
    leaf_hashes: &Bound<'py, PyAny>,
    indices: &Bound<'py, PyAny>,
    proofs: &Bound<'py, PyAny>,
    tree_size: u64,
    flavor: &str,
    hash: Option<&str>,
) -> PyResult<Bound<'py, PyByteArray>> {
    let merkle = Merkle::with_hasher(self::flavor(flavor, hash)?, Hasher::new().sequential())
        .with_sm3_hasher(batchverify::sm3::Hasher::new().sequential());
    let root = single(root, "root")?;
    let leaves = Column::extract(leaf_hashes, "leaf_hashes", Some(32))?;
    let indices: Vec<u64> = pyo3::buffer::PyBuffer::<u64>::get(indices)
        .and_then(|buffer| buffer.to_vec(py))
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("indices: expected a uint64 buffer"))?;
    let proofs = Column::extract(proofs, "proofs", None)?;
    let counts = [("indices", indices.len()), ("proofs", proofs.len())];
    if let Some((field, count)) = counts.into_iter().find(|&(_, count)| count != leaves.len()) {
        return Err(crate::errors::malformed(
            format!(
                "{field}: expected {} items (one per leaf hash), got {count}",
                leaves.len()
            ),
            None,
            field,
        ));
    }
    let (root, leaves, proofs) = (root.as_slice(), leaves.slices(), proofs.slices());
    let verdicts: Vec<u8> = py.detach(|| {
        (leaves, indices, proofs)
            .into_par_iter()
            .map(|(leaf, index, proof)| {
                u8::from(siblings(proof).is_some_and(|siblings| {
                    merkle.verify_inclusion(root, leaf, index, tree_size, siblings)
                }))
            })
            .collect()
    });
    Ok(PyByteArray::new(py, &verdicts))
}

/// A Merkle tree with every level kept, for proofs.
#[pyclass(module = "batchverify._native", frozen)]
pub struct Tree {
    tree: merkle::Tree,
    flavor: String,
    hash: Option<String>,
}

#[pymethods]
impl Tree {
    #[new]
    #[pyo3(signature = (leaf_hashes, *, flavor="bitcoin", backend="auto", hash=None))]
    fn new(
        py: Python<'_>,
        leaf_hashes: &Bound<'_, PyAny>,
        flavor: &str,
        backend: &str,
        hash: Option<&str>,
    ) -> PyResult<Tree> {
        let merkle = merkle(flavor, hash, backend)?;
        let leaves = Column::extract(leaf_hashes, "leaf_hashes", Some(32))?;
        let leaves = leaves.digests("leaf_hashes")?;
        let tree = py.detach(|| merkle.tree(&leaves)).map_err(to_py)?;
        Ok(Tree {
            tree,
            flavor: flavor.to_owned(),
            hash: hash.map(str::to_owned),
        })
    }

    #[getter]
    fn root<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.tree.root())
    }

    /// Whether some level had two equal siblings (Bitcoin's CVE-2012-2459 check).
    #[getter]
    fn mutated(&self) -> bool {
        self.tree.mutated()
    }

    #[getter]
    fn flavor(&self) -> &str {
        &self.flavor
    }

    /// The hash that replaced the flavor's own, if one did.
    #[getter]
    fn hash(&self) -> Option<&str> {
        self.hash.as_deref()
    }

    /// The inclusion proof of leaf `index`: sibling hashes, bottom level first.
    fn proof<'py>(&self, py: Python<'py>, index: u64) -> PyResult<Bound<'py, PyList>> {
        let proof = self.tree.proof(index).map_err(to_py)?;
        PyList::new(
            py,
            proof
                .siblings
                .iter()
                .map(|sibling| PyBytes::new(py, sibling)),
        )
    }

    /// RFC 6962 consistency proof that the first `old_size` leaves are a prefix of this tree.
    fn consistency_proof<'py>(
        &self,
        py: Python<'py>,
        old_size: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let proof = self.tree.consistency_proof(old_size).map_err(to_py)?;
        PyList::new(py, proof.iter().map(|node| PyBytes::new(py, node)))
    }

    fn __len__(&self) -> usize {
        self.tree.leaf_hashes().len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Tree(flavor={:?}, leaves={}, root={})",
            self.flavor,
            self.tree.len(),
            self.tree
                .root()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>()
        )
    }

    /// The leaf hashes, concatenated (what the tree can be rebuilt from).
    #[getter]
    fn leaf_hashes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.tree.leaf_hashes().as_flattened())
    }
}
