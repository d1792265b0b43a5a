package lsp

import (
	"context"
	"testing"

	"go.lsp.dev/protocol"
)

// An editor that asks the user what a refactoring should do sends it with the command.
func TestRefactorInstructionReachesEngine(t *testing.T) {
	got := make(chan string, 1)
	h := newHarness(t, &fakeEngine{action: func(_ context.Context, req ActionRequest) (ActionResult, error) {
		got <- req.Instruction
		return ActionResult{Edits: []Edit{{Start: 0, End: 4, NewText: "func"}}}, nil
	}})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	arg := `{"kind":"refactor","uri":"file:///work/root/a.go","version":1,"range":` + jsonObject(rng(0, 0, 0, 11)) + `,"instruction":"use early returns"}`
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, `{"command":"ragls.action","arguments":[`+arg+`]}`, nil)
	if s := <-got; s != "use early returns" {
		t.Errorf("instruction = %q", s)
	}
}
