//go:build !linux

package prompts

import "time"

func threadCPU() time.Duration { return 0 }
