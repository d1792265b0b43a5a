//go:build race

package eval

// raceEnabled: the race detector slows indexing a whole tree tenfold, past any test timeout.
const raceEnabled = true
