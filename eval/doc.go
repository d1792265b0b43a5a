// Package eval measures how well ragls's context finds what a model needs.
//
// The measurement takes call sites of functions defined in another file of real code (the Go
// tree, the Python standard library, JavaScript packages, the TypeScript sources npm packages
// ship, Rust crates, the JDK's java.base, gnulib, googletest), found syntactically with their
// definition as ground truth, and asks whether the assembled context contains that definition:
// once with the cursor just after "name(", and once with the call not yet typed. The same
// question is put to sliding-window BM25 and Jaccard retrievers, the baselines Tabby, many
// editors and RepoCoder use, packed into the same token budget.
package eval
