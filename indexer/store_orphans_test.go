package indexer

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestOrphanTempFilesRemovedAtNextStart: temporary files of writers killed mid-write (an old
// name without a pid, and one with the pid of a process that has exited) are removed when the
// index is next loaded; one of a writer still running is kept.
func TestOrphanTempFilesRemovedAtNextStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "repo.idx")
	if err := New(nil, nil).Save(path); err != nil {
		t.Fatal(err)
	}
	// A process that has exited: its pid is free (reuse within the test is unlikely).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run a child process:", err)
	}
	dead := cmd.Process.Pid
	orphans := []string{"repo.idx.tmp123456", tempPrefix(path, dead) + "777"}
	live := tempPrefix(path, os.Getpid()) + "888"
	other := "other.idx.tmp-1-1"
	for _, name := range append(orphans, live, other) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial index"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Load(path, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range orphans {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("orphan %s is still there", name)
		}
	}
	for _, name := range []string{live, other} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
}
