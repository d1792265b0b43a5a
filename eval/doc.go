// Package eval measures how well ragls's context finds what a model needs.
//
// The measurement takes call sites of functions defined in another file of real code (the Go
// tree, the Python standard library, JavaScript packages), found syntactically with their
// definition as ground truth, and asks whether the assembled context contains that definition:
// once with the cursor just after "name(", and once with the call not yet typed. The same
// question is put to a sliding-window Jaccard retriever, the baseline many editors and RepoCoder
// use, packed into the same token budget.
package eval
