//go:build race

package e2e

// raceEnabled: under `go test -race` the ragls binary is built with the race detector too, so a
// data race in the server during an editor session fails the test (its exit status is then 66).
const raceEnabled = true
